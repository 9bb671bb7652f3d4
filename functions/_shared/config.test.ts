import { describe, expect, it } from 'vitest';
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
});
