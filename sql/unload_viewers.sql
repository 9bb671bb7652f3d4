-- UnloadViewership (batch-transform input): every known viewer once, so viewers without recent
-- viewing still get a list (popular shows on their partners).
-- Inputs: identity_map. Output columns: viewer_id.
WITH identity AS (
  SELECT
    partner,
    partner_user_id,
    MIN(viewer_id) AS viewer_id
  FROM identity_map
  WHERE viewer_id IS NOT NULL
    AND partner IS NOT NULL
  GROUP BY partner, partner_user_id
  HAVING COUNT(DISTINCT viewer_id) = 1
)
SELECT DISTINCT
  viewer_id
FROM identity
