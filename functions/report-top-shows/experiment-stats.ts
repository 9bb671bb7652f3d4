import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/**
 * The statistics of the experiment report (issue #18), on sums the warehouse returns per variant, so the same
 * code analyses the SQL's output and, in the tests, simulated data.
 *
 * Retention is a ratio of viewer-weeks (weeks retained / weeks active), and one viewer contributes several weeks,
 * so the weeks are not independent. Its variance comes from the delta method over viewers (Deng, Knoblich & Lu,
 * "Applying the Delta Method in Metric Analytics", KDD 2018):
 *   R = Σr / Σa,   Var(R) ≈ Σ(rᵢ − R·aᵢ)² / (Σa)²   with Σ(r − R·a)² = Σr² − 2R·Σar + R²·Σa²
 * where aᵢ = weeks viewer i was active (with a following week to look at) and rᵢ = of those, weeks followed by activity.
 * When every viewer has one week (aᵢ ∈ {0,1}) this is exactly R(1−R)/n, the two-proportion (Wald) test.
 * The lift is R_treatment − R_control with a normal 95 % interval. Watch time per viewer uses Welch's t interval
 * (unequal variances, Welch–Satterthwaite degrees of freedom). Quantiles come from stdlib.
 */

export const CONFIDENCE = 0.95;
/** Power the minimum detectable effect is quoted at (the usual 80 %). */
export const POWER = 0.8;
/** Below this many active viewer-weeks (or viewers) in a variant the report says "not enough data yet". */
export const MIN_SAMPLE = 30;

const Z_CONFIDENCE = normalQuantile(1 - (1 - CONFIDENCE) / 2, 0, 1);
const Z_POWER = normalQuantile(POWER, 0, 1);

/** Per-viewer sums of one variant for the retention ratio (n = every assigned viewer, zeros included). */
export interface RatioSums {
  viewers: number;
  /** Σa: viewer-weeks active with a following week in the window. */
  activeWeeks: number;
  /** Σr: of those, weeks followed by an active week. */
  retainedWeeks: number;
  /** Σa², Σr², Σa·r over viewers. */
  activeWeeksSq: number;
  retainedWeeksSq: number;
  activeRetainedWeeks: number;
}

/** Σx and Σx² over every assigned viewer of one variant (zeros included: intention to treat). */
export interface MeanSums {
  viewers: number;
  sum: number;
  sumSq: number;
}

export type Verdict = 'lift' | 'drop' | 'not-enough-data';

export interface Difference {
  /** treatment − control. */
  estimate: number;
  ci95: [number, number];
  standardError: number;
  /** The smallest true difference this sample detects with 80 % power at the 95 % level: (z₀.₉₇₅ + z₀.₈) × SE. */
  minimumDetectableEffect: number;
  /** `lift`/`drop` when the interval excludes zero; otherwise (or below MIN_SAMPLE) "not enough data yet". */
  verdict: Verdict;
}

/** R = Σr/Σa and its delta-method variance; null when the variant has no active weeks. */
export function retentionRatio(sums: RatioSums): { ratio: number; variance: number } | null {
  if (sums.activeWeeks <= 0) return null;
  const ratio = sums.retainedWeeks / sums.activeWeeks;
  const residualSq = sums.retainedWeeksSq - 2 * ratio * sums.activeRetainedWeeks + ratio * ratio * sums.activeWeeksSq;
  // Rounding can leave a tiny negative where every residual is zero.
  return { ratio, variance: Math.max(0, residualSq) / sums.activeWeeks ** 2 };
}

function verdictOf(ci: [number, number], isLargeEnough: boolean): Verdict {
  if (!isLargeEnough) return 'not-enough-data';
  if (ci[0] > 0) return 'lift';
  if (ci[1] < 0) return 'drop';
  return 'not-enough-data';
}

/** Retention lift (treatment − control) in absolute proportion points, with its 95 % interval. */
export function retentionLift(treatment: RatioSums, control: RatioSums): Difference | null {
  const t = retentionRatio(treatment);
  const c = retentionRatio(control);
  if (!t || !c) return null;
  const standardError = Math.sqrt(t.variance + c.variance);
  const estimate = t.ratio - c.ratio;
  const ci95: [number, number] = [estimate - Z_CONFIDENCE * standardError, estimate + Z_CONFIDENCE * standardError];
  const isLargeEnough = Math.min(treatment.activeWeeks, control.activeWeeks) >= MIN_SAMPLE;
  return {
    estimate,
    ci95,
    standardError,
    minimumDetectableEffect: (Z_CONFIDENCE + Z_POWER) * standardError,
    verdict: verdictOf(ci95, isLargeEnough),
  };
}

/** Mean and unbiased variance from sums; null below two viewers. */
export function meanAndVariance(sums: MeanSums): { mean: number; variance: number } | null {
  if (sums.viewers < 2) return null;
  const mean = sums.sum / sums.viewers;
  return { mean, variance: Math.max(0, (sums.sumSq - sums.viewers * mean * mean) / (sums.viewers - 1)) };
}

/** Welch's interval for mean(treatment) − mean(control), with Welch–Satterthwaite degrees of freedom. */
export function welchDifference(treatment: MeanSums, control: MeanSums): (Difference & { df: number }) | null {
  const t = meanAndVariance(treatment);
  const c = meanAndVariance(control);
  if (!t || !c) return null;
  const vt = t.variance / treatment.viewers;
  const vc = c.variance / control.viewers;
  const standardError = Math.sqrt(vt + vc);
  const estimate = t.mean - c.mean;
  if (standardError === 0) {
    return {
      estimate,
      ci95: [estimate, estimate],
      standardError,
      df: Number.POSITIVE_INFINITY,
      minimumDetectableEffect: 0,
      verdict: 'not-enough-data',
    };
  }
  const df = (vt + vc) ** 2 / (vt ** 2 / (treatment.viewers - 1) + vc ** 2 / (control.viewers - 1));
  const critical = tQuantile(1 - (1 - CONFIDENCE) / 2, df);
  const ci95: [number, number] = [estimate - critical * standardError, estimate + critical * standardError];
  const isLargeEnough = Math.min(treatment.viewers, control.viewers) >= MIN_SAMPLE;
  return {
    estimate,
    ci95,
    standardError,
    df,
    minimumDetectableEffect: (critical + tQuantile(POWER, df)) * standardError,
    verdict: verdictOf(ci95, isLargeEnough),
  };
}
