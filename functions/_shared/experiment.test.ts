import { describe, expect, it } from 'vitest';
import {
  assignmentBucket,
  assignVariant,
  BUCKET_COUNT,
  controlThreshold,
  type Experiment,
  experimentEnv,
  experimentFromEnv,
  isExperimentActive,
} from './experiment.js';

const experiment: Experiment = {
  id: 'holdout-1',
  start: '2026-11-02T00:00:00.000Z',
  controlShare: 0.1,
  control: 'popular',
};

describe('assignment', () => {
  it('is the first six hex digits of MD5("<experiment>:<viewer>")', () => {
    // md5('holdout-1:v000001') = 76a27eb6… (computed independently: `printf %s holdout-1:v000001 | md5sum`)
    expect(assignmentBucket('holdout-1', 'v000001')).toBe(0x76a27e);
  });

  it('gives the same viewer the same variant every time, and a different experiment reshuffles', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `v${i}`);
    const first = ids.map((id) => assignVariant(experiment, id));
    const again = ids.map((id) => assignVariant(experiment, id));
    const other = ids.map((id) => assignVariant({ ...experiment, id: 'holdout-2' }, id));

    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('puts about the control share of viewers in control', () => {
    const n = 20_000;
    const control = Array.from({ length: n }, (_, i) => assignVariant(experiment, `viewer-${i}`)).filter(
      (v) => v === 'control',
    ).length;

    // Binomial(20,000, 0.1): sd ≈ 42, so ±4 sd.
    expect(Math.abs(control - 2000)).toBeLessThan(170);
  });

  it('puts a viewer whose bucket equals the threshold in treatment, as the SQL does (bucket < threshold)', () => {
    // v000001's bucket in holdout-1 is 0x76a27e; a share that makes that the threshold exactly.
    const share = 0x76a27e / BUCKET_COUNT;

    expect(controlThreshold(share)).toBe(0x76a27e);
    expect(assignVariant({ id: 'holdout-1', controlShare: share }, 'v000001')).toBe('treatment');
    expect(assignVariant({ id: 'holdout-1', controlShare: (0x76a27e + 1) / BUCKET_COUNT }, 'v000001')).toBe('control');
  });

  it('maps the share onto an integer bucket threshold', () => {
    expect(controlThreshold(0.1)).toBe(Math.round(0.1 * BUCKET_COUNT));
    expect(controlThreshold(0.5)).toBe(BUCKET_COUNT / 2);
  });
});

describe('activity window', () => {
  it('includes the start and excludes the end', () => {
    const stopped = { ...experiment, end: '2026-11-30T00:00:00.000Z' };

    expect(isExperimentActive(stopped, new Date('2026-11-01T23:59:59Z'))).toBe(false);
    expect(isExperimentActive(stopped, new Date('2026-11-02T00:00:00Z'))).toBe(true);
    expect(isExperimentActive(stopped, new Date('2026-11-30T00:00:00Z'))).toBe(false);
    expect(isExperimentActive(experiment, new Date('2030-01-01T00:00:00Z'))).toBe(true);
  });
});

describe('experimentFromEnv', () => {
  it('reads no experiment from an unset or empty id', () => {
    expect(experimentFromEnv({})).toBeUndefined();
    expect(experimentFromEnv(experimentEnv(undefined))).toBeUndefined();
  });

  it('trims the variables, and reads a blank id as no experiment', () => {
    expect(experimentFromEnv({ EXPERIMENT_ID: '   ', EXPERIMENT_START: '2026-11-02' })).toBeUndefined();
    expect(experimentFromEnv({ EXPERIMENT_ID: ' x ', EXPERIMENT_START: ' 2026-11-02 ' })).toMatchObject({
      id: 'x',
      start: '2026-11-02T00:00:00.000Z',
    });
  });

  it('sets every variable to an empty string when there is no experiment', () => {
    expect(experimentEnv(undefined)).toEqual({
      EXPERIMENT_ID: '',
      EXPERIMENT_START: '',
      EXPERIMENT_END: '',
      EXPERIMENT_CONTROL_SHARE: '',
      EXPERIMENT_CONTROL: '',
    });
  });

  it('round-trips through the environment the local runtime sets', () => {
    const stopped: Experiment = { ...experiment, end: '2026-12-01T00:00:00.000Z', control: 'previous-model' };

    expect(experimentFromEnv(experimentEnv(stopped))).toEqual(stopped);
  });

  it('defaults the share to 10 % and control to the popular list', () => {
    expect(experimentFromEnv({ EXPERIMENT_ID: 'x', EXPERIMENT_START: '2026-11-02' })).toEqual({
      id: 'x',
      start: '2026-11-02T00:00:00.000Z',
      controlShare: 0.1,
      control: 'popular',
    });
  });

  it('names the variable at fault', () => {
    expect(() => experimentFromEnv({ EXPERIMENT_ID: 'x', EXPERIMENT_START: 'soon' })).toThrow(/EXPERIMENT_START/);
    expect(() =>
      experimentFromEnv({ EXPERIMENT_ID: 'x', EXPERIMENT_START: '2026-11-02', EXPERIMENT_CONTROL_SHARE: '0.9' }),
    ).toThrow(/EXPERIMENT_CONTROL_SHARE/);
    expect(() => experimentFromEnv({ EXPERIMENT_ID: 'bad id', EXPERIMENT_START: '2026-11-02' })).toThrow(
      /EXPERIMENT_ID/,
    );
    expect(() =>
      experimentFromEnv({ EXPERIMENT_ID: 'x', EXPERIMENT_START: '2026-11-02', EXPERIMENT_END: '2026-11-01' }),
    ).toThrow(/EXPERIMENT_END/);
    expect(() =>
      experimentFromEnv({ EXPERIMENT_ID: 'x', EXPERIMENT_START: '2026-11-02', EXPERIMENT_END: '2026-11-02T00:00:00Z' }),
    ).toThrow(/EXPERIMENT_END/);
  });

  it('lists every variable at fault once, with each reason', () => {
    expect(() =>
      experimentFromEnv({ EXPERIMENT_ID: 'x', EXPERIMENT_START: 'soon', EXPERIMENT_CONTROL_SHARE: '0.9' }),
    ).toThrow(
      'invalid experiment environment: EXPERIMENT_START, EXPERIMENT_CONTROL_SHARE ' +
        '(must be an ISO 8601 date or timestamp; must be in (0, 0.5])',
    );
  });
});
