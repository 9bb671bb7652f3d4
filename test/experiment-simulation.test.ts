import { describe, expect, it } from 'vitest';
import {
  assignVariant,
  DEFAULT_CONTROL_SHARE,
  type Experiment,
  type Variant,
} from '../functions/_shared/experiment.js';
import { experimentReportFromRows } from '../functions/report-top-shows/experiment-report.js';
import type { SqlRow } from '../functions/report-top-shows/sql-runner.js';
import { makeRng } from '../local/rng.js';
import { weeklyActivity } from '../local/sample-activity.js';
import { NULL_EXPERIMENT_ROW as NULLS } from './support/experiment-rows.js';

// Issue #18, "proving the analysis": the interval's coverage, simulated through the report itself
// (experimentReportFromRows on rows shaped like the warehouse's), with the same weekly activity model
// `recs run --simulate-lift` plants in the sample.
// Simulating the sums directly keeps 100 experiments of 50,000 viewers to about a second.
const VIEWERS = 50_000;
const WEEKS = 4; // a 28-day sample: three week-to-week transitions

const EXPERIMENT: Experiment = {
  id: 'holdout-sim',
  start: '2026-11-02T00:00:00.000Z',
  controlShare: DEFAULT_CONTROL_SHARE,
  control: 'popular',
};

// One experiment, one split (as in production); each seed draws new viewer behaviour.
const VARIANTS: Variant[] = Array.from({ length: VIEWERS }, (_, v) =>
  assignVariant(EXPERIMENT, `v${String(v + 1).padStart(6, '0')}`),
);

/** One simulated experiment as sql/report_experiment.sql would return it: assignments and the all-brand sums. */
function simulate(seed: number, lift: number): SqlRow[] {
  const rng = makeRng(seed);
  const viewers = { control: 0, treatment: 0 };
  const zero = () => ({ a: 0, r: 0, aa: 0, rr: 0, ar: 0 });
  const sums = { control: zero(), treatment: zero() };
  for (let v = 0; v < VIEWERS; v++) {
    const variant = VARIANTS[v] as Variant;
    const weeks = weeklyActivity(rng, WEEKS, () => (variant === 'treatment' ? lift : 0));
    let a = 0;
    let r = 0;
    for (let k = 1; k < WEEKS; k++) {
      if (!weeks[k - 1]) continue;
      a++;
      if (weeks[k]) r++;
    }
    viewers[variant]++;
    const s = sums[variant];
    // Σa, Σr, Σa², Σr², Σa·r, as the SQL's variant_brand section sums them.
    s.a += a;
    s.r += r;
    s.aa += a * a;
    s.rr += r * r;
    s.ar += a * r;
  }
  return (['control', 'treatment'] as const).flatMap((variant) => {
    const { a, r, aa, rr, ar } = sums[variant];
    return [
      { ...NULLS, section: 'variant', variant, viewers: viewers[variant] },
      {
        ...NULLS,
        section: 'variant_brand',
        variant,
        brand: 'all',
        viewers: viewers[variant],
        active_weeks: a,
        retained_weeks: r,
        active_weeks_sq: aa,
        retained_weeks_sq: rr,
        active_retained_weeks: ar,
        watch_seconds: 0,
        watch_seconds_sq: 0,
      },
    ];
  });
}

/** The retention lift the report shows for one simulated experiment. */
const reportedLift = (seed: number, lift: number) =>
  experimentReportFromRows(simulate(seed, lift), EXPERIMENT, []).retentionLift;

describe('the retention interval on simulated experiments (50,000 viewers, 10 % control)', () => {
  it('contains a simulated 5-point lift and excludes zero', () => {
    const lift = reportedLift(42, 0.05);

    expect(lift?.ci95[0]).toBeLessThan(0.05);
    expect(lift?.ci95[1]).toBeGreaterThan(0.05);
    expect(lift?.ci95[0]).toBeGreaterThan(0);
    expect(lift?.verdict).toBe('lift');
  });

  it('excludes zero in about 5 % of 100 experiments without a lift (accepts 1-10 %)', () => {
    let excluding = 0;
    let covering = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const lift = reportedLift(seed, 0);
      if (lift && (lift.ci95[0] > 0 || lift.ci95[1] < 0)) excluding++;
      if (lift && lift.ci95[0] <= 0 && lift.ci95[1] >= 0) covering++;
    }

    // The figure the issue asks to report (seeds 1-100): printed so a run shows it.
    process.stdout.write(`${JSON.stringify({ simulations: 100, intervalsExcludingZero: excluding })}\n`);
    expect(excluding + covering).toBe(100);
    expect(excluding).toBeGreaterThanOrEqual(1);
    expect(excluding).toBeLessThanOrEqual(10);
  });
});
