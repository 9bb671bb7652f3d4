-- PrepareRun's data-quality UNLOAD: how many warehouse rows the cleaning in unload_viewership.sql dropped,
-- clamped or merged, one row per kind, so the run record can report them (issue #7).
-- Inputs: viewership_events, identity_map and its resolved_identity view (sql/schema.sql), shows; {{AS_OF}} is the run's as-of TIMESTAMP literal.
-- Output columns: kind, row_count. Kinds (each event is counted under the first rule that removes it,
-- in the order unload_viewership.sql applies them; clamped events are kept, only their watch time is capped):
--   nullIds                    events with a null partner, account, show or start time (dropped)
--   futureEvents               events that start after the as-of time (dropped)
--   nonPositiveWatchSeconds    events in the window with watch_seconds <= 0 or null (dropped)
--   duplicateEvents            extra copies of an event (same account, show, start time) (merged into one)
--   unknownViewer              distinct events of accounts with no unambiguous viewer (dropped)
--   unknownShow                distinct events of known viewers on shows missing from the catalog (dropped)
--   clampedWatchSeconds        distinct events longer than 6 hours (clamped to 6 hours)
--   ambiguousIdentityAccounts  identity-map accounts mapped to more than one viewer (their events are unknownViewer)
WITH ambiguous_accounts AS (
  SELECT
    partner,
    partner_user_id
  FROM identity_map
  WHERE viewer_id IS NOT NULL
  GROUP BY partner, partner_user_id
  HAVING COUNT(DISTINCT viewer_id) > 1
),
with_ids AS (
  SELECT
    partner,
    partner_user_id,
    show_id,
    started_at,
    watch_seconds
  FROM viewership_events
  WHERE partner IS NOT NULL
    AND partner_user_id IS NOT NULL
    AND show_id IS NOT NULL
    AND started_at IS NOT NULL
),
in_window AS (
  SELECT
    partner,
    partner_user_id,
    show_id,
    started_at,
    watch_seconds
  FROM with_ids
  WHERE started_at <= {{AS_OF}}
    AND started_at > {{AS_OF}} - INTERVAL '180 days'
),
deduped_events AS (
  SELECT
    partner,
    partner_user_id,
    show_id,
    started_at,
    MAX(watch_seconds) AS watch_seconds,
    COUNT(*) AS copies
  FROM in_window
  WHERE watch_seconds > 0
  GROUP BY partner, partner_user_id, show_id, started_at
),
known_viewer_events AS (
  SELECT
    e.show_id,
    e.watch_seconds
  FROM deduped_events e
  JOIN resolved_identity i
    ON i.partner = e.partner
    AND i.partner_user_id = e.partner_user_id
),
counts AS (
  SELECT 'nullIds' AS kind, 1 AS ordinal, (SELECT COUNT(*) FROM viewership_events) - (SELECT COUNT(*) FROM with_ids) AS row_count
  UNION ALL
  SELECT 'futureEvents', 2, (SELECT COUNT(*) FROM with_ids WHERE started_at > {{AS_OF}})
  UNION ALL
  SELECT 'nonPositiveWatchSeconds', 3, (SELECT COUNT(*) FROM in_window WHERE watch_seconds IS NULL OR watch_seconds <= 0)
  UNION ALL
  SELECT 'duplicateEvents', 4, (SELECT COALESCE(SUM(copies - 1), 0) FROM deduped_events)
  UNION ALL
  SELECT 'unknownViewer', 5, (SELECT COUNT(*) FROM deduped_events) - (SELECT COUNT(*) FROM known_viewer_events)
  UNION ALL
  SELECT
    'unknownShow',
    6,
    (SELECT COUNT(*) FROM known_viewer_events k WHERE NOT EXISTS (SELECT 1 FROM shows s WHERE s.show_id = k.show_id))
  UNION ALL
  SELECT
    'clampedWatchSeconds',
    7,
    (
      SELECT COUNT(*)
      FROM known_viewer_events k
      WHERE k.watch_seconds > 21600
        AND EXISTS (SELECT 1 FROM shows s WHERE s.show_id = k.show_id)
    )
  UNION ALL
  SELECT 'ambiguousIdentityAccounts', 8, (SELECT COUNT(*) FROM ambiguous_accounts)
)
SELECT
  kind,
  CAST(row_count AS BIGINT) AS row_count
FROM counts
ORDER BY ordinal
