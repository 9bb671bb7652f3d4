-- UnloadViewership (batch-transform input): every known viewer once, so viewers without recent
-- viewing still get a list (popular shows on their partners).
-- Inputs: resolved_identity (view over identity_map, sql/schema.sql). Output columns: viewer_id.
SELECT DISTINCT
  viewer_id
FROM resolved_identity
