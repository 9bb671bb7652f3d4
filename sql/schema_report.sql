-- Tables the top-shows report reads besides the core warehouse (sql/schema.sql).
-- recommendation_exposures: one row per viewer × recommended show of a run (the run's top-10 lists, flattened),
-- so the report can count how many recommended viewers went on to watch the show (issue #8).
-- Portable DDL: runs unchanged in Redshift and in PGlite.
CREATE TABLE IF NOT EXISTS recommendation_exposures (
  run_id VARCHAR(64) NOT NULL,
  viewer_id VARCHAR(64) NOT NULL,
  show_id VARCHAR(64) NOT NULL,
  rank INTEGER NOT NULL,
  recommended_at TIMESTAMP NOT NULL
);
