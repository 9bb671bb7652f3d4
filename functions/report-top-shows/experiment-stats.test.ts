import { describe, expect, it } from 'vitest';
import {
  type MeanSums,
  MIN_SAMPLE,
  type RatioSums,
  retentionLift,
  retentionRatio,
  welchDifference,
} from './experiment-stats.js';

/** Sums of viewers who each have one active week: `retained` of `active` came back (the two-proportion case). */
const oneWeekEach = (active: number, retained: number, inactive = 0): RatioSums => ({
  viewers: active + inactive,
  activeWeeks: active,
  retainedWeeks: retained,
  activeWeeksSq: active,
  retainedWeeksSq: retained,
  activeRetainedWeeks: retained,
});

const sumsOf = (values: readonly number[]): MeanSums => ({
  viewers: values.length,
  sum: values.reduce((a, b) => a + b, 0),
  sumSq: values.reduce((a, b) => a + b * b, 0),
});

describe('retentionLift', () => {
  it('is the two-proportion Wald interval when every viewer has one week', () => {
    // 60/100 vs 45/100: SE = √(.6·.4/100 + .45·.55/100) = 0.0698212; 95 % CI 0.15 ± 1.959964·SE (scipy 1.17.1).
    const lift = retentionLift(oneWeekEach(100, 60, 40), oneWeekEach(100, 45, 12));

    expect(lift?.estimate).toBeCloseTo(0.15, 12);
    expect(lift?.standardError).toBeCloseTo(0.0698212002188447, 10);
    expect(lift?.ci95[0]).toBeCloseTo(0.013152962213704211, 9);
    expect(lift?.ci95[1]).toBeCloseTo(0.2868470377862957, 9);
    expect(lift?.minimumDetectableEffect).toBeCloseTo((1.959963984540054 + 0.8416212335729143) * 0.0698212, 6);
    expect(lift?.verdict).toBe('lift');
  });

  it('widens the interval when one viewer contributes several correlated weeks', () => {
    // The same 60 % and 45 % from 25 viewers with four weeks each, all-or-nothing: really 25 observations, not 100.
    const clustered = (viewers: number, returning: number): RatioSums => ({
      viewers,
      activeWeeks: 4 * viewers,
      retainedWeeks: 4 * returning,
      activeWeeksSq: 16 * viewers,
      retainedWeeksSq: 16 * returning,
      activeRetainedWeeks: 16 * returning,
    });

    const lift = retentionLift(clustered(25, 15), clustered(25, 11.25));
    const naive = retentionLift(oneWeekEach(100, 60), oneWeekEach(100, 45));

    expect(lift?.estimate).toBeCloseTo(0.15, 12);
    expect(lift?.standardError).toBeCloseTo((naive?.standardError ?? 0) * 2, 10);
  });

  it('says "not enough data yet" when the interval holds zero or a variant is tiny', () => {
    expect(retentionLift(oneWeekEach(200, 110), oneWeekEach(200, 100))?.verdict).toBe('not-enough-data');
    expect(retentionLift(oneWeekEach(20, 20), oneWeekEach(20, 0))?.verdict).toBe('not-enough-data');
    expect(retentionLift(oneWeekEach(20, 10), oneWeekEach(0, 0))).toBeNull();
  });

  it('calls a clear fall a drop, and an interval of exactly zero neither lift nor drop', () => {
    expect(retentionLift(oneWeekEach(100, 45), oneWeekEach(100, 60))?.verdict).toBe('drop');
    // Everyone retained in both variants: estimate 0, standard error 0, the interval is [0, 0].
    const none = retentionLift(oneWeekEach(100, 100), oneWeekEach(100, 100));
    expect(none?.ci95).toEqual([0, 0]);
    expect(none?.verdict).toBe('not-enough-data');
  });

  it('gives a verdict from MIN_SAMPLE active weeks in the smaller variant, not fewer', () => {
    const n = MIN_SAMPLE;

    expect(retentionLift(oneWeekEach(n, n - 1), oneWeekEach(n, 1))?.verdict).toBe('lift');
    expect(retentionLift(oneWeekEach(1000, 999), oneWeekEach(n - 1, 1))?.verdict).toBe('not-enough-data');
  });

  it('computes R = Σr/Σa', () => {
    expect(retentionRatio(oneWeekEach(8, 2))?.ratio).toBe(0.25);
  });
});

describe('welchDifference', () => {
  it("matches scipy's Welch t-test interval", () => {
    // scipy.stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95) (scipy 1.17.1):
    // df = 4.464143370142897, CI = [-0.4467986427839534, 6.180131976117288].
    const a = [2, 4, 6, 9, 3.5];
    const b = [1, 2, 3, 2.5, 1.5, 2.2];

    const diff = welchDifference(sumsOf(a), sumsOf(b));

    expect(diff?.estimate).toBeCloseTo(2.866666666666667, 10);
    expect(diff?.df).toBeCloseTo(4.464143370142897, 8);
    expect(diff?.ci95[0]).toBeCloseTo(-0.4467986427839534, 6);
    expect(diff?.ci95[1]).toBeCloseTo(6.180131976117288, 6);
    expect(diff?.verdict).toBe('not-enough-data');
    // (t₀.₉₇₅ + t₀.₈ at that df) · SE, from scipy.stats.t.ppf: 4.4688925324639035.
    expect(diff?.minimumDetectableEffect).toBeCloseTo(4.4688925324639035, 6);
  });

  it('gives a verdict from MIN_SAMPLE viewers in the smaller variant, not fewer', () => {
    // scipy: ttest_ind(treatment, control, equal_var=False) → CI [8.5708, 9.4292] for 30 viewers each.
    const treatment = Array.from({ length: MIN_SAMPLE }, (_, i) => 10 + (i % 3));
    const control = Array.from({ length: MIN_SAMPLE }, (_, i) => 1 + (i % 3));

    const enough = welchDifference(sumsOf(treatment), sumsOf(control));
    const fewer = welchDifference(sumsOf(treatment), sumsOf(control.slice(1)));
    const fall = welchDifference(sumsOf(control), sumsOf(treatment));

    expect(enough?.ci95[0]).toBeCloseTo(8.570786718808783, 6);
    expect(enough?.ci95[1]).toBeCloseTo(9.429213281191217, 6);
    expect(enough?.verdict).toBe('lift');
    expect(fewer?.verdict).toBe('not-enough-data');
    expect(welchDifference(sumsOf([...treatment, ...treatment]), sumsOf(control.slice(1)))?.verdict).toBe(
      'not-enough-data',
    );
    expect(fall?.verdict).toBe('drop');
  });

  it('gives a zero-width interval and no verdict when neither variant varies', () => {
    const diff = welchDifference(sumsOf(Array(40).fill(3)), sumsOf(Array(40).fill(2)));

    expect(diff).toEqual({
      estimate: 1,
      ci95: [1, 1],
      standardError: 0,
      df: Number.POSITIVE_INFINITY,
      minimumDetectableEffect: 0,
      verdict: 'not-enough-data',
    });
  });

  it('needs two viewers per variant', () => {
    expect(welchDifference(sumsOf([1]), sumsOf([1, 2]))).toBeNull();
    expect(welchDifference(sumsOf([1, 2]), sumsOf([3, 5]))?.estimate).toBe(-2.5);
  });
});
