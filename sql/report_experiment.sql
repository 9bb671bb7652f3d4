-- Holdout experiment report (issue #18): per variant and brand, the sums the report's statistics need
-- (functions/report-top-shows/experiment-stats.ts), as one result set in sections told apart by `section`.
--   'variant'         viewers assigned to each variant (intention to treat: every known viewer, active or not)
--   'variant_brand'   per variant x brand ('all' = every brand), summed over viewers: a = weeks active with a
--                     following outcome week, r = of those followed by activity, and watch seconds in the outcome
--                     weeks; with Σa, Σr, Σa², Σr², Σa·r, Σw, Σw² (viewers without activity add zeros)
--   'retention_week'  per variant x brand x outcome week: viewers active the week before, and how many came back
--   'hits'            per variant x brand: the exposure run's recommended (viewer, show) pairs and how many were
--                     watched at or after recommended_at (control viewers' lists were computed but not shown to them)
-- Retention into week W = share of the viewers active in W - 7 days who are active in W. Outcome weeks are the
-- Monday-start weeks from first_week to last_week: complete weeks inside the experiment (the caller computes them).
-- Inputs: the events of known viewers on known shows (sql/viewer_events.sql), resolved_identity, shows (sql/schema.sql),
--   and the exposure run's pairs with their outcome (sql/exposure_outcomes.sql, as in report_top_shows.sql).
-- Parameters: experiment_id, control_threshold (sql/experiment_assignment.sql); first_week, last_week
--   ('YYYY-MM-DD 00:00:00', Mondays); run_id, as_of (the exposure run, as in report_top_shows.sql).
-- Output columns: section, variant, brand, week_start, viewers, active_weeks, retained_weeks, active_weeks_sq,
--   retained_weeks_sq, active_retained_weeks, watch_seconds, watch_seconds_sq, exposures, conversions.
-- Portable: runs in Redshift and PostgreSQL/PGlite. The lines {{EXPERIMENT_ASSIGNMENT}}, {{VIEWER_EVENTS}} and
-- {{EXPOSURE_OUTCOMES}} are replaced by those sql/ fragments (scripts/sql-fragments.ts, run by
-- scripts/gen-report-assets.ts); sql/experiment_assignment.sql is the one copy of the hash.
WITH assigned AS (
{{EXPERIMENT_ASSIGNMENT}}
),
viewer_events AS (
{{VIEWER_EVENTS}}
),
weekly AS (
  SELECT
    viewer_id,
    brand,
    DATE_TRUNC('week', started_at) AS week_start,
    SUM(watch_seconds) AS watch_seconds
  FROM viewer_events
  WHERE started_at >= CAST(:first_week AS TIMESTAMP) - INTERVAL '7 days'
    AND started_at < CAST(:last_week AS TIMESTAMP) + INTERVAL '7 days'
  GROUP BY viewer_id, brand, DATE_TRUNC('week', started_at)
),
activity AS (
  SELECT viewer_id, brand, week_start, watch_seconds
  FROM weekly
  UNION ALL
  SELECT viewer_id, 'all' AS brand, week_start, SUM(watch_seconds) AS watch_seconds
  FROM weekly
  GROUP BY viewer_id, week_start
),
transitions AS (
  SELECT
    a.viewer_id,
    a.brand,
    a.week_start + INTERVAL '7 days' AS outcome_week,
    CASE WHEN n.viewer_id IS NULL THEN 0 ELSE 1 END AS retained
  FROM activity a
  LEFT JOIN activity n
    ON n.viewer_id = a.viewer_id
    AND n.brand = a.brand
    AND n.week_start = a.week_start + INTERVAL '7 days'
  WHERE a.week_start >= CAST(:first_week AS TIMESTAMP) - INTERVAL '7 days'
    AND a.week_start <= CAST(:last_week AS TIMESTAMP) - INTERVAL '7 days'
),
viewer_transitions AS (
  SELECT viewer_id, brand, COUNT(*) AS active_weeks, SUM(retained) AS retained_weeks
  FROM transitions
  GROUP BY viewer_id, brand
),
viewer_watch AS (
  SELECT viewer_id, brand, SUM(watch_seconds) AS watch_seconds
  FROM activity
  WHERE week_start >= CAST(:first_week AS TIMESTAMP)
    AND week_start <= CAST(:last_week AS TIMESTAMP)
  GROUP BY viewer_id, brand
),
viewer_brand AS (
  SELECT
    COALESCE(t.viewer_id, w.viewer_id) AS viewer_id,
    COALESCE(t.brand, w.brand) AS brand,
    CAST(COALESCE(t.active_weeks, 0) AS DOUBLE PRECISION) AS a,
    CAST(COALESCE(t.retained_weeks, 0) AS DOUBLE PRECISION) AS r,
    CAST(COALESCE(w.watch_seconds, 0) AS DOUBLE PRECISION) AS w
  FROM viewer_transitions t
  FULL OUTER JOIN viewer_watch w
    ON w.viewer_id = t.viewer_id
    AND w.brand = t.brand
),
exposure_outcomes AS (
{{EXPOSURE_OUTCOMES}}
),
brand_hits AS (
  SELECT
    a.variant,
    s.brand,
    o.converted
  FROM exposure_outcomes o
  JOIN assigned a
    ON a.viewer_id = o.viewer_id
  JOIN shows s
    ON s.show_id = o.show_id
),
-- Every pair counts once under its show's brand and once under 'all', as activity does for watching.
exposure_hits AS (
  SELECT variant, brand, converted
  FROM brand_hits
  UNION ALL
  SELECT variant, 'all' AS brand, converted
  FROM brand_hits
)
SELECT
  CAST('variant' AS VARCHAR(16)) AS section,
  variant,
  CAST(NULL AS VARCHAR(64)) AS brand,
  CAST(NULL AS VARCHAR(10)) AS week_start,
  CAST(COUNT(*) AS BIGINT) AS viewers,
  CAST(NULL AS DOUBLE PRECISION) AS active_weeks,
  CAST(NULL AS DOUBLE PRECISION) AS retained_weeks,
  CAST(NULL AS DOUBLE PRECISION) AS active_weeks_sq,
  CAST(NULL AS DOUBLE PRECISION) AS retained_weeks_sq,
  CAST(NULL AS DOUBLE PRECISION) AS active_retained_weeks,
  CAST(NULL AS DOUBLE PRECISION) AS watch_seconds,
  CAST(NULL AS DOUBLE PRECISION) AS watch_seconds_sq,
  CAST(NULL AS BIGINT) AS exposures,
  CAST(NULL AS BIGINT) AS conversions
FROM assigned
GROUP BY variant
UNION ALL
SELECT
  CAST('variant_brand' AS VARCHAR(16)) AS section,
  x.variant,
  v.brand,
  CAST(NULL AS VARCHAR(10)) AS week_start,
  CAST(COUNT(*) AS BIGINT) AS viewers,
  SUM(v.a) AS active_weeks,
  SUM(v.r) AS retained_weeks,
  SUM(v.a * v.a) AS active_weeks_sq,
  SUM(v.r * v.r) AS retained_weeks_sq,
  SUM(v.a * v.r) AS active_retained_weeks,
  SUM(v.w) AS watch_seconds,
  SUM(v.w * v.w) AS watch_seconds_sq,
  CAST(NULL AS BIGINT) AS exposures,
  CAST(NULL AS BIGINT) AS conversions
FROM viewer_brand v
JOIN assigned x
  ON x.viewer_id = v.viewer_id
GROUP BY x.variant, v.brand
UNION ALL
SELECT
  CAST('retention_week' AS VARCHAR(16)) AS section,
  x.variant,
  t.brand,
  TO_CHAR(t.outcome_week, 'YYYY-MM-DD') AS week_start,
  CAST(NULL AS BIGINT) AS viewers,
  CAST(COUNT(*) AS DOUBLE PRECISION) AS active_weeks,
  CAST(SUM(t.retained) AS DOUBLE PRECISION) AS retained_weeks,
  CAST(NULL AS DOUBLE PRECISION) AS active_weeks_sq,
  CAST(NULL AS DOUBLE PRECISION) AS retained_weeks_sq,
  CAST(NULL AS DOUBLE PRECISION) AS active_retained_weeks,
  CAST(NULL AS DOUBLE PRECISION) AS watch_seconds,
  CAST(NULL AS DOUBLE PRECISION) AS watch_seconds_sq,
  CAST(NULL AS BIGINT) AS exposures,
  CAST(NULL AS BIGINT) AS conversions
FROM transitions t
JOIN assigned x
  ON x.viewer_id = t.viewer_id
GROUP BY x.variant, t.brand, t.outcome_week
UNION ALL
SELECT
  CAST('hits' AS VARCHAR(16)) AS section,
  variant,
  brand,
  CAST(NULL AS VARCHAR(10)) AS week_start,
  CAST(NULL AS BIGINT) AS viewers,
  CAST(NULL AS DOUBLE PRECISION) AS active_weeks,
  CAST(NULL AS DOUBLE PRECISION) AS retained_weeks,
  CAST(NULL AS DOUBLE PRECISION) AS active_weeks_sq,
  CAST(NULL AS DOUBLE PRECISION) AS retained_weeks_sq,
  CAST(NULL AS DOUBLE PRECISION) AS active_retained_weeks,
  CAST(NULL AS DOUBLE PRECISION) AS watch_seconds,
  CAST(NULL AS DOUBLE PRECISION) AS watch_seconds_sq,
  CAST(COUNT(*) AS BIGINT) AS exposures,
  CAST(SUM(converted) AS BIGINT) AS conversions
FROM exposure_hits
GROUP BY variant, brand
ORDER BY section, variant, brand, week_start
