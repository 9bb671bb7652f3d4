-- Warehouse tables the pipeline reads (docs/contracts.md). Portable: the same file creates them in
-- Redshift and in the embedded Postgres (PGlite) of the local runtime, so no DISTKEY/SORTKEY here;
-- production tuning of distribution belongs to the warehouse's own migrations.
CREATE TABLE IF NOT EXISTS viewership_events (
  partner VARCHAR(32),
  partner_user_id VARCHAR(128),
  show_id VARCHAR(64),
  started_at TIMESTAMP,
  watch_seconds INTEGER
);

CREATE TABLE IF NOT EXISTS identity_map (
  partner VARCHAR(32),
  partner_user_id VARCHAR(128),
  viewer_id VARCHAR(64)
);

CREATE TABLE IF NOT EXISTS shows (
  show_id VARCHAR(64) NOT NULL,
  title VARCHAR(256) NOT NULL,
  genre VARCHAR(64) NOT NULL,
  brand VARCHAR(64) NOT NULL
);

CREATE TABLE IF NOT EXISTS show_availability (
  show_id VARCHAR(64) NOT NULL,
  partner VARCHAR(32) NOT NULL
);

-- Accounts resolved to exactly one viewer. An account the identity map ties to more than one viewer is
-- ambiguous and left out rather than guessed; every query that resolves viewers reads this view, so the
-- rule lives in one place (issue #7).
CREATE OR REPLACE VIEW resolved_identity AS
SELECT
  partner,
  partner_user_id,
  MIN(viewer_id) AS viewer_id
FROM identity_map
WHERE viewer_id IS NOT NULL
  AND partner IS NOT NULL
  AND partner_user_id IS NOT NULL
GROUP BY partner, partner_user_id
HAVING COUNT(DISTINCT viewer_id) = 1;

-- Viewing events after the cleaning every reader applies (issue #7): rows with a null partner, account, show or
-- start time and rows with watch_seconds <= 0 are dropped; duplicates (same account, show and start time) count
-- once with their longest watch time, clamped to 6 hours (longer is a stuck player, not a viewer). Readers add
-- their own time window on started_at, which is part of the duplicate key, so filtering after is the same.
-- sql/unload_data_quality.sql counts what these rules remove.
CREATE OR REPLACE VIEW clean_viewership_events AS
SELECT
  partner,
  partner_user_id,
  show_id,
  started_at,
  LEAST(MAX(watch_seconds), 21600) AS watch_seconds
FROM viewership_events
WHERE partner IS NOT NULL
  AND partner_user_id IS NOT NULL
  AND show_id IS NOT NULL
  AND started_at IS NOT NULL
  AND watch_seconds > 0
GROUP BY partner, partner_user_id, show_id, started_at;
