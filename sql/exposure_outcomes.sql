-- Fragment (issue #17): the exposure run's recommended (viewer, show) pairs, each with whether the viewer watched
-- the show at or after it was recommended and by as_of. The exposure run is the newest run in
-- recommendation_exposures (sql/schema_report.sql) at or before run_id whose lists went out before as_of.
-- Included as a CTE body by report_top_shows.sql and report_experiment.sql (the line {{EXPOSURE_OUTCOMES}},
-- expanded by scripts/sql-fragments.ts).
-- Inputs: recommendation_exposures, resolved_identity, clean_viewership_events. Parameters: run_id, as_of.
-- Output columns: run_id, viewer_id, show_id, converted (1 when watched, else 0).
SELECT
  x.run_id,
  x.viewer_id,
  x.show_id,
  MAX(CASE WHEN e.show_id IS NULL THEN 0 ELSE 1 END) AS converted
FROM (
  SELECT run_id, viewer_id, show_id, MIN(recommended_at) AS recommended_at
  FROM recommendation_exposures
  WHERE run_id = (
    SELECT MAX(run_id)
    FROM recommendation_exposures
    WHERE run_id <= :run_id
      AND recommended_at < CAST(:as_of AS TIMESTAMP)
  )
  GROUP BY run_id, viewer_id, show_id
) x
LEFT JOIN resolved_identity i
  ON i.viewer_id = x.viewer_id
LEFT JOIN clean_viewership_events e
  ON e.partner = i.partner
  AND e.partner_user_id = i.partner_user_id
  AND e.show_id = x.show_id
  AND e.started_at >= x.recommended_at
  AND e.started_at <= CAST(:as_of AS TIMESTAMP)
GROUP BY x.run_id, x.viewer_id, x.show_id
