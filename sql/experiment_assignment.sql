-- Experiment assignment (issue #18): the variant of every known viewer, from a hash of (experiment id, viewer id).
-- The same function as assignVariant in functions/_shared/experiment.ts: bucket = the first 6 hex digits of
-- MD5('<experiment_id>:<viewer_id>') as an integer in [0, 2^24); control when bucket < control_threshold.
-- Portable: MD5 (lower-case hex in both), SUBSTRING and STRPOS run alike in Redshift and PostgreSQL. Neither
-- dialect's hex-to-integer conversion runs in the other (Redshift's STRTOL, PostgreSQL's ('x' || h)::BIT(32)), so
-- the six digits are converted one by one.
-- Inputs: resolved_identity (sql/schema.sql). Parameters: experiment_id; control_threshold (an integer, as text).
-- Output columns: viewer_id, bucket, variant ('control' | 'treatment').
-- sql/report_experiment.sql embeds this SELECT as its `assigned` CTE (scripts/gen-report-assets.ts).
SELECT
  viewer_id,
  bucket,
  CAST(CASE WHEN bucket < CAST(:control_threshold AS INTEGER) THEN 'control' ELSE 'treatment' END AS VARCHAR(16))
    AS variant
FROM (
  SELECT
    viewer_id,
    (STRPOS('0123456789abcdef', SUBSTRING(digest, 1, 1)) - 1) * 1048576
      + (STRPOS('0123456789abcdef', SUBSTRING(digest, 2, 1)) - 1) * 65536
      + (STRPOS('0123456789abcdef', SUBSTRING(digest, 3, 1)) - 1) * 4096
      + (STRPOS('0123456789abcdef', SUBSTRING(digest, 4, 1)) - 1) * 256
      + (STRPOS('0123456789abcdef', SUBSTRING(digest, 5, 1)) - 1) * 16
      + (STRPOS('0123456789abcdef', SUBSTRING(digest, 6, 1)) - 1) AS bucket
  FROM (
    SELECT DISTINCT
      viewer_id,
      MD5(CAST(:experiment_id AS VARCHAR(64)) || ':' || viewer_id) AS digest
    FROM resolved_identity
  ) hashed
) bucketed
