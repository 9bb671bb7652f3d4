import { describe, expect, it } from 'vitest';
import { assignVariant, DEFAULT_CONTROL_SHARE, type Variant } from '../functions/_shared/experiment.js';
import { type RatioSums, retentionLift } from '../functions/report-top-shows/experiment-stats.js';
import { makeRng } from '../local/rng.js';
import { weeklyActivity } from '../local/sample-activity.js';

// Issue #18, "proving the analysis": the interval's coverage, simulated through the same statistics code the report
// runs on the warehouse's sums, with the same weekly activity model `recs run --simulate-lift` plants in the sample.
// Simulating the sums directly keeps 100 experiments of 50,000 viewers to about a second.
const VIEWERS = 50_000;
const WEEKS = 4; // a 28-day sample: three week-to-week transitions

// One experiment, one split (as in production); each seed draws new viewer behaviour.
const VARIANTS: Variant[] = Array.from({ length: VIEWERS }, (_, v) =>
  assignVariant({ id: 'holdout-sim', controlShare: DEFAULT_CONTROL_SHARE }, `v${String(v + 1).padStart(6, '0')}`),
);

function simulate(seed: number, lift: number): Record<Variant, RatioSums> {
  const rng = makeRng(seed);
  const empty = (): RatioSums => ({
    viewers: 0,
    activeWeeks: 0,
    retainedWeeks: 0,
    activeWeeksSq: 0,
    retainedWeeksSq: 0,
    activeRetainedWeeks: 0,
  });
  const sums = { control: empty(), treatment: empty() };
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
    const s = sums[variant];
    s.viewers++;
    s.activeWeeks += a;
    s.retainedWeeks += r;
    s.activeWeeksSq += a * a;
    s.retainedWeeksSq += r * r;
    s.activeRetainedWeeks += a * r;
  }
  return sums;
}

describe('the retention interval on simulated experiments (50,000 viewers, 10 % control)', () => {
  it('contains a simulated 5-point lift and excludes zero', () => {
    const { treatment, control } = simulate(42, 0.05);

    const lift = retentionLift(treatment, control);

    expect(lift?.ci95[0]).toBeLessThan(0.05);
    expect(lift?.ci95[1]).toBeGreaterThan(0.05);
    expect(lift?.ci95[0]).toBeGreaterThan(0);
    expect(lift?.verdict).toBe('lift');
  });

  it('excludes zero in about 5 % of 100 experiments without a lift (accepts 1-10 %)', () => {
    let excluding = 0;
    let covering = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const { treatment, control } = simulate(seed, 0);
      const lift = retentionLift(treatment, control);
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
