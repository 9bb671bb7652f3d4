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
