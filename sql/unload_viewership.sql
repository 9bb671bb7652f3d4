-- UnloadViewership: training data, one row per viewer × show × partner.
-- Inputs: the events of known viewers on known shows (sql/viewer_events.sql, over the views clean_viewership_events
-- and resolved_identity of sql/schema.sql, where the cleaning rules live); {{AS_OF}} is the run's as-of TIMESTAMP literal.
-- Output columns: viewer_id, show_id, partner, watch_seconds, view_count, last_watched_at.
-- Cleaning, deterministic so reruns unload the same rows (issue #7), as applied through the views and joins:
--   rows with a null partner, account, show or start time are dropped; events after the as-of time are dropped;
--   watch_seconds <= 0 is dropped and anything above 6 hours is clamped to 6 hours (a stuck player, not a viewer);
--   duplicate events (same account, show and start time) count once, with their longest watch time;
--   an account mapped to more than one viewer is ambiguous and dropped rather than guessed;
--   events of unknown accounts or unknown shows are dropped by the joins.
WITH viewer_events AS (
{{VIEWER_EVENTS}}
)
SELECT
  viewer_id,
  show_id,
  partner,
  SUM(watch_seconds) AS watch_seconds,
  COUNT(*) AS view_count,
  MAX(started_at) AS last_watched_at
FROM viewer_events
WHERE started_at <= {{AS_OF}}
  AND started_at > {{AS_OF}} - INTERVAL '180 days'
GROUP BY viewer_id, show_id, partner
