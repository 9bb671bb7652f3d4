-- UnloadViewership: training data, one row per viewer × show × partner.
-- Inputs: the views clean_viewership_events and resolved_identity (sql/schema.sql, where the cleaning rules live),
-- shows; {{AS_OF}} is the run's as-of TIMESTAMP literal.
-- Output columns: viewer_id, show_id, partner, watch_seconds, view_count, last_watched_at.
-- Cleaning, deterministic so reruns unload the same rows (issue #7), as applied through the views and joins:
--   rows with a null partner, account, show or start time are dropped; events after the as-of time are dropped;
--   watch_seconds <= 0 is dropped and anything above 6 hours is clamped to 6 hours (a stuck player, not a viewer);
--   duplicate events (same account, show and start time) count once, with their longest watch time;
--   an account mapped to more than one viewer is ambiguous and dropped rather than guessed;
--   events of unknown accounts or unknown shows are dropped by the joins.
WITH resolved_events AS (
  SELECT
    i.viewer_id,
    e.show_id,
    e.partner,
    e.watch_seconds,
    e.started_at
  FROM clean_viewership_events e
  JOIN resolved_identity i
    ON i.partner = e.partner
    AND i.partner_user_id = e.partner_user_id
  JOIN shows s
    ON s.show_id = e.show_id
  WHERE e.started_at <= {{AS_OF}}
    AND e.started_at > {{AS_OF}} - INTERVAL '180 days'
)
SELECT
  viewer_id,
  show_id,
  partner,
  SUM(watch_seconds) AS watch_seconds,
  COUNT(*) AS view_count,
  MAX(started_at) AS last_watched_at
FROM resolved_events
GROUP BY viewer_id, show_id, partner
