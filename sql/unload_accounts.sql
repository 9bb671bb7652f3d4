-- UnloadViewership (accounts channel): the partners each viewer has an account on.
-- Inputs: identity_map. Output columns: viewer_id, partner.
-- An account mapped to more than one viewer is ambiguous and dropped, as in unload_viewership.sql.
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
  viewer_id,
  partner
FROM identity
