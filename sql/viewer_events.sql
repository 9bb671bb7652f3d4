-- Fragment (issue #17): every clean event of a known viewer on a known show, the one statement of which events
-- count. The cleaning rules live in the view clean_viewership_events (sql/schema.sql); the joins drop events of
-- unknown or ambiguous accounts (resolved_identity) and of shows missing from the catalog.
-- Included as a CTE body by unload_viewership.sql, unload_popular.sql, report_top_shows.sql and
-- report_experiment.sql (the line {{VIEWER_EVENTS}}, expanded by scripts/sql-fragments.ts); each filters its own window.
-- Inputs: clean_viewership_events, resolved_identity, shows.
-- Output columns: viewer_id, partner, show_id, brand, started_at, watch_seconds.
SELECT
  i.viewer_id,
  e.partner,
  e.show_id,
  s.brand,
  e.started_at,
  e.watch_seconds
FROM clean_viewership_events e
JOIN resolved_identity i
  ON i.partner = e.partner
  AND i.partner_user_id = e.partner_user_id
JOIN shows s
  ON s.show_id = e.show_id
