-- UnloadViewership (catalog channel): every show with each partner that carries it.
-- Inputs: shows, show_availability. Output columns: show_id, title, genre, brand, partner.
-- A show no partner carries never appears, so the model can never recommend it.
WITH availability AS (
  SELECT DISTINCT
    show_id,
    partner
  FROM show_availability
)
SELECT
  s.show_id,
  s.title,
  s.genre,
  s.brand,
  a.partner
FROM shows s
JOIN availability a
  ON a.show_id = s.show_id
