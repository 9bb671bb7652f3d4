/**
 * Every column of sql/report_experiment.sql's result set, NULL: the SQL's UNION ALL returns each column in every
 * row, so a hand-written row spreads this and sets what its section uses.
 */
export const NULL_EXPERIMENT_ROW = {
  brand: null,
  week_start: null,
  viewers: null,
  active_weeks: null,
  retained_weeks: null,
  active_weeks_sq: null,
  retained_weeks_sq: null,
  active_retained_weeks: null,
  watch_seconds: null,
  watch_seconds_sq: null,
  exposures: null,
  conversions: null,
} as const;
