-- Top-performing shows report (issue #8): one result set in three sections, told apart by `section`.
--   'top_show'   per brand x partner x week (Monday start unless week_start_day says otherwise), the top shows by unique viewers, with watch hours,
--                repeat rate and week-over-week change of unique viewers. partner = 'all' ranks across every partner.
--                Repeat rate = share of the viewers of the week who watched the show more than once that week (`shows`
--                has no runtime, so a completion rate cannot be computed).
--   'brand_week' per brand x week: unique viewers and watch hours across all partners (the trend lines).
--   'rec_hit'    per show recommended in the exposure run: the viewers it was recommended to, and how many of them
--                watched it at or after recommended_at (the recommendation hit rate). The exposure run is the newest
--                run in recommendation_exposures (sql/schema_report.sql) at or before the run_id parameter whose lists
--                went out before as_of: inside the pipeline that is the previous run (this run's lists have had no
--                time to convert), for `recs report --run` on an older run it is that run.
-- Inputs: the events of known viewers on known shows (sql/viewer_events.sql), shows, and the exposure run's
--   pairs with their outcome (sql/exposure_outcomes.sql). Cleaning as in unload_viewership.sql (the same fragment):
--   ambiguous or unknown accounts, unknown shows and watch_seconds <= 0 are dropped, duplicate events count once,
--   watch time is clamped to 6 hours.
-- Parameters (Redshift Data API named parameters, string values): run_id; since = 00:00 of the first reported
--   week's start day; as_of = last instant included; top_n = shows kept per brand x partner x week; week_start_day =
--   the day weeks start, in days after Monday (0 = Monday ... 6 = Sunday). One extra week before since is read so
--   the first reported week has a week-over-week change. Whether the last week is complete is decided by the caller.
-- Output columns: section, brand, partner, week_start (YYYY-MM-DD), show_id, title, show_rank, unique_viewers,
--   watch_hours, repeat_viewers, repeat_rate, prev_unique_viewers, wow_change, exposure_run_id, recommended_viewers,
--   converted_viewers, hit_rate. Columns a section does not use are NULL.
-- Portable: runs unchanged in Redshift and PostgreSQL/PGlite (no FILTER, no :: casts, no DATEADD). The lines
-- {{VIEWER_EVENTS}} and {{EXPOSURE_OUTCOMES}} are replaced by those fragments (scripts/gen-report-assets.ts), as in
-- report_experiment.sql.
WITH viewer_events AS (
{{VIEWER_EVENTS}}
),
resolved AS (
  SELECT
    viewer_id,
    partner,
    show_id,
    -- Weeks start on the configured day (week_start_day: days after Monday, 0-6). DATE_TRUNC('week') gives Mondays;
    -- shifting by an interval literal per branch stays portable (no interval arithmetic on a parameter).
    CASE CAST(:week_start_day AS INTEGER)
      WHEN 1 THEN DATE_TRUNC('week', started_at - INTERVAL '1 day') + INTERVAL '1 day'
      WHEN 2 THEN DATE_TRUNC('week', started_at - INTERVAL '2 days') + INTERVAL '2 days'
      WHEN 3 THEN DATE_TRUNC('week', started_at - INTERVAL '3 days') + INTERVAL '3 days'
      WHEN 4 THEN DATE_TRUNC('week', started_at - INTERVAL '4 days') + INTERVAL '4 days'
      WHEN 5 THEN DATE_TRUNC('week', started_at - INTERVAL '5 days') + INTERVAL '5 days'
      WHEN 6 THEN DATE_TRUNC('week', started_at - INTERVAL '6 days') + INTERVAL '6 days'
      ELSE DATE_TRUNC('week', started_at)
    END AS week_start,
    watch_seconds
  FROM viewer_events
  WHERE started_at >= CAST(:since AS TIMESTAMP) - INTERVAL '7 days'
    AND started_at <= CAST(:as_of AS TIMESTAMP)
),
viewer_show_weeks AS (
  SELECT viewer_id, partner, show_id, week_start, COUNT(*) AS views, SUM(watch_seconds) AS watch_seconds
  FROM resolved
  GROUP BY viewer_id, partner, show_id, week_start
  UNION ALL
  SELECT viewer_id, 'all' AS partner, show_id, week_start, COUNT(*) AS views, SUM(watch_seconds) AS watch_seconds
  FROM resolved
  GROUP BY viewer_id, show_id, week_start
),
show_weeks AS (
  SELECT
    partner,
    show_id,
    week_start,
    COUNT(DISTINCT viewer_id) AS unique_viewers,
    SUM(watch_seconds) AS watch_seconds,
    SUM(CASE WHEN views > 1 THEN 1 ELSE 0 END) AS repeat_viewers
  FROM viewer_show_weeks
  GROUP BY partner, show_id, week_start
),
show_weeks_ranked AS (
  SELECT
    s.brand,
    w.partner,
    w.show_id,
    s.title,
    w.week_start,
    w.unique_viewers,
    w.watch_seconds,
    w.repeat_viewers,
    LAG(w.week_start) OVER (PARTITION BY w.partner, w.show_id ORDER BY w.week_start) AS prev_week_start,
    LAG(w.unique_viewers) OVER (PARTITION BY w.partner, w.show_id ORDER BY w.week_start) AS prev_unique_viewers,
    ROW_NUMBER() OVER (
      PARTITION BY s.brand, w.partner, w.week_start
      ORDER BY w.unique_viewers DESC, w.watch_seconds DESC, w.show_id
    ) AS show_rank
  FROM show_weeks w
  JOIN shows s
    ON s.show_id = w.show_id
),
brand_weeks AS (
  SELECT
    s.brand,
    r.week_start,
    COUNT(DISTINCT r.viewer_id) AS unique_viewers,
    SUM(r.watch_seconds) AS watch_seconds
  FROM resolved r
  JOIN shows s
    ON s.show_id = r.show_id
  GROUP BY s.brand, r.week_start
),
brand_weeks_lagged AS (
  SELECT
    brand,
    week_start,
    unique_viewers,
    watch_seconds,
    LAG(week_start) OVER (PARTITION BY brand ORDER BY week_start) AS prev_week_start,
    LAG(unique_viewers) OVER (PARTITION BY brand ORDER BY week_start) AS prev_unique_viewers
  FROM brand_weeks
),
exposure_outcomes AS (
{{EXPOSURE_OUTCOMES}}
),
show_hits AS (
  SELECT
    run_id,
    show_id,
    COUNT(*) AS recommended_viewers,
    SUM(converted) AS converted_viewers
  FROM exposure_outcomes
  GROUP BY run_id, show_id
),
-- The two weekly sections share their week-over-week columns: one row set, one formula (issue #17).
weekly_rows AS (
  SELECT
    CAST('top_show' AS VARCHAR(16)) AS section,
    brand,
    partner,
    week_start,
    show_id,
    title,
    CAST(show_rank AS INTEGER) AS show_rank,
    unique_viewers,
    watch_seconds,
    CAST(repeat_viewers AS BIGINT) AS repeat_viewers,
    prev_week_start,
    prev_unique_viewers
  FROM show_weeks_ranked
  WHERE show_rank <= CAST(:top_n AS INTEGER)
  UNION ALL
  SELECT
    CAST('brand_week' AS VARCHAR(16)) AS section,
    brand,
    CAST('all' AS VARCHAR(32)) AS partner,
    week_start,
    CAST(NULL AS VARCHAR(64)) AS show_id,
    CAST(NULL AS VARCHAR(256)) AS title,
    CAST(NULL AS INTEGER) AS show_rank,
    unique_viewers,
    watch_seconds,
    CAST(NULL AS BIGINT) AS repeat_viewers,
    prev_week_start,
    prev_unique_viewers
  FROM brand_weeks_lagged
)
SELECT
  section,
  brand,
  partner,
  TO_CHAR(week_start, 'YYYY-MM-DD') AS week_start,
  show_id,
  title,
  show_rank,
  CAST(unique_viewers AS BIGINT) AS unique_viewers,
  CAST(watch_seconds AS DOUBLE PRECISION) / 3600 AS watch_hours,
  repeat_viewers,
  CAST(repeat_viewers AS DOUBLE PRECISION) / unique_viewers AS repeat_rate,
  CAST(CASE WHEN prev_week_start = week_start - INTERVAL '7 days' THEN prev_unique_viewers END AS BIGINT)
    AS prev_unique_viewers,
  CASE
    WHEN prev_week_start = week_start - INTERVAL '7 days'
      THEN CAST(unique_viewers - prev_unique_viewers AS DOUBLE PRECISION) / prev_unique_viewers
  END AS wow_change,
  CAST(NULL AS VARCHAR(64)) AS exposure_run_id,
  CAST(NULL AS BIGINT) AS recommended_viewers,
  CAST(NULL AS BIGINT) AS converted_viewers,
  CAST(NULL AS DOUBLE PRECISION) AS hit_rate
FROM weekly_rows
WHERE week_start >= CAST(:since AS TIMESTAMP)
UNION ALL
SELECT
  CAST('rec_hit' AS VARCHAR(16)) AS section,
  s.brand,
  CAST(NULL AS VARCHAR(32)) AS partner,
  CAST(NULL AS VARCHAR(10)) AS week_start,
  h.show_id,
  s.title,
  CAST(NULL AS INTEGER) AS show_rank,
  CAST(NULL AS BIGINT) AS unique_viewers,
  CAST(NULL AS DOUBLE PRECISION) AS watch_hours,
  CAST(NULL AS BIGINT) AS repeat_viewers,
  CAST(NULL AS DOUBLE PRECISION) AS repeat_rate,
  CAST(NULL AS BIGINT) AS prev_unique_viewers,
  CAST(NULL AS DOUBLE PRECISION) AS wow_change,
  h.run_id AS exposure_run_id,
  CAST(h.recommended_viewers AS BIGINT) AS recommended_viewers,
  CAST(h.converted_viewers AS BIGINT) AS converted_viewers,
  CAST(h.converted_viewers AS DOUBLE PRECISION) / h.recommended_viewers AS hit_rate
FROM show_hits h
JOIN shows s
  ON s.show_id = h.show_id
ORDER BY section, brand, partner, week_start, show_rank, show_id
