-- UnloadViewership (accounts channel): the partners each viewer has an account on.
-- Inputs: resolved_identity (view over identity_map, sql/schema.sql). Output columns: viewer_id, partner.
-- An account mapped to more than one viewer is ambiguous and dropped, as in unload_viewership.sql.
SELECT DISTINCT
  viewer_id,
  partner
FROM resolved_identity
