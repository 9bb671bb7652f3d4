/**
 * Which weeks a sample viewer watches anything (issue #18): a two-state weekly chain, so the sample has a
 * retention the report can measure and `recs run --simulate-lift` can raise for treatment viewers by a known amount.
 *   week 0: active with FIRST_WEEK_ACTIVE
 *   week k: active with RETURN (+ lift for treatment once the experiment runs) if active in week k−1, else REACTIVATE
 * P(active in k | active in k−1) is then exactly RETURN (+ lift): the report's retention, and the true lift.
 */
export const RETENTION_MODEL = {
  firstWeekActive: 0.7,
  /** Weekly retention of control viewers: share of a week's active viewers active again the next week. */
  returnProbability: 0.55,
  reactivationProbability: 0.25,
} as const;

/**
 * Active flags for `weekCount` consecutive weeks; `liftFor(k)` is added to the return probability into week k
 * (0 for control, and for treatment before the experiment starts).
 */
export function weeklyActivity(rng: () => number, weekCount: number, liftFor: (week: number) => number): boolean[] {
  const active: boolean[] = [];
  for (let k = 0; k < weekCount; k++) {
    const previous = active[k - 1];
    const p =
      k === 0
        ? RETENTION_MODEL.firstWeekActive
        : previous
          ? RETENTION_MODEL.returnProbability + liftFor(k)
          : RETENTION_MODEL.reactivationProbability;
    active.push(rng() < p);
  }
  return active;
}
