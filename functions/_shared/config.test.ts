import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { loadPublishRunConfig, loadQualityGateConfig, loadWriteRecsConfig } from './config.js';
import { ConfigError } from './errors.js';

describe('config', () => {
  it('applies defaults to tuning knobs but never to resource names', () => {
    expect(loadWriteRecsConfig({ TABLE_NAME: 'recs', TTL_DAYS: '14' })).toEqual({
      TABLE_NAME: 'recs',
      TTL_DAYS: 14,
      WRITE_CONCURRENCY: 8,
      WRITE_SAFETY_MARGIN_MS: 20_000,
    });
    expect(() => loadWriteRecsConfig({})).toThrow(ConfigError);
  });

  it('has no second default for the list TTL: the ttlDays stage parameter is the one', () => {
    expect(() => loadWriteRecsConfig({ TABLE_NAME: 'recs' })).toThrow(/TTL_DAYS/);
    expect(() => loadPublishRunConfig({ TABLE_NAME: 'recs' })).toThrow(/TTL_DAYS/);
  });

  it('coerces numbers from strings and names the bad variable', () => {
    expect(loadQualityGateConfig({ TABLE_NAME: 't', QUALITY_MIN_LIFT: '0.05', QUALITY_MAX_DROP: '' })).toMatchObject({
      QUALITY_MIN_LIFT: 0.05,
      QUALITY_MAX_DROP: 0.2,
    });
    expect(() => loadQualityGateConfig({ TABLE_NAME: 't', QUALITY_MAX_DROP: 'lots' })).toThrow(/QUALITY_MAX_DROP/);
  });

  it('defaults the quality thresholds when they are unset', () => {
    expect(loadQualityGateConfig({ TABLE_NAME: 't' })).toEqual({
      TABLE_NAME: 't',
      QUALITY_MIN_LIFT: 0.1,
      QUALITY_MAX_DROP: 0.2,
    });
  });

  it('uses a tuning knob that is set, and its default only when it is unset or empty', () => {
    const base = { TABLE_NAME: 'recs', TTL_DAYS: '14' };

    expect(loadWriteRecsConfig({ ...base, WRITE_CONCURRENCY: '4', WRITE_SAFETY_MARGIN_MS: '5000' })).toMatchObject({
      WRITE_CONCURRENCY: 4,
      WRITE_SAFETY_MARGIN_MS: 5000,
    });
    expect(loadWriteRecsConfig({ ...base, WRITE_CONCURRENCY: '', WRITE_SAFETY_MARGIN_MS: '' })).toMatchObject({
      WRITE_CONCURRENCY: 8,
      WRITE_SAFETY_MARGIN_MS: 20_000,
    });
    expect(() => loadWriteRecsConfig({ ...base, WRITE_CONCURRENCY: '0' })).toThrow(/WRITE_CONCURRENCY/);
  });

  it('lists every bad variable, one "; " apart, and keeps the zod error as the cause', () => {
    let thrown: unknown;
    try {
      loadWriteRecsConfig({ TTL_DAYS: 'soon' });
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toMatch(/^invalid environment: TABLE_NAME: [^;]+; TTL_DAYS: [^;]+$/);
    expect((thrown as ConfigError).cause).toBeInstanceOf(ZodError);
  });
});
