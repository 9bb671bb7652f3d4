-- UnloadViewership (popular channel): the 50 shows most viewers watched in the last 28 days, the
-- fallback list for viewers the model has no list for. One row per show × partner that carries it.
-- Inputs: the events of known viewers on known shows (sql/viewer_events.sql, as in unload_viewership.sql), shows,
-- show_availability; {{AS_OF}} as in unload_viewership.sql.
-- Output columns: show_id, title, genre, brand, partner, unique_viewers, rank.
WITH viewer_events AS (
{{VIEWER_EVENTS}}
),
recent_viewing AS (
  SELECT
    show_id,
    viewer_id
  FROM viewer_events
  WHERE started_at <= {{AS_OF}}
    AND started_at > {{AS_OF}} - INTERVAL '28 days'
),
ranked_shows AS (
  SELECT
    show_id,
    COUNT(DISTINCT viewer_id) AS unique_viewers,
    ROW_NUMBER() OVER (ORDER BY COUNT(DISTINCT viewer_id) DESC, show_id) AS rank
  FROM recent_viewing
  GROUP BY show_id
)
SELECT
  s.show_id,
  s.title,
  s.genre,
  s.brand,
  a.partner,
  r.unique_viewers,
  r.rank
FROM ranked_shows r
JOIN shows s
  ON s.show_id = r.show_id
JOIN (
  SELECT DISTINCT
    show_id,
    partner
  FROM show_availability
) a
  ON a.show_id = r.show_id
WHERE r.rank <= 50
