import { readdirSync, readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSqlStatement } from '../scripts/sql-fragments.js';

// The warehouse SQL runs unchanged in embedded Postgres: same files as Redshift, checked on a tiny data set
// whose bad rows each exercise one cleaning rule of unload_viewership.sql.
const sqlFile = (name: string) => readFileSync(new URL(`../sql/${name}`, import.meta.url), 'utf8');
const AS_OF = "TIMESTAMP '2026-11-20 00:00:00'";
// Statements as the generators embed them: fragment lines expanded (scripts/sql-fragments.ts).
const select = (name: string) => readSqlStatement(name).replaceAll('{{AS_OF}}', AS_OF);

let db: PGlite;

beforeAll(async () => {
  db = new PGlite();
  await db.exec(sqlFile('schema.sql'));
  await db.exec(`
    INSERT INTO shows (show_id, title, genre, brand) VALUES
      ('s1', 'Harbor Lights', 'drama', 'Northstar'),
      ('s2', 'Quiz Night', 'comedy', 'Bluebird'),
      ('s3', 'Nowhere Carried', 'news', 'Northstar');
    INSERT INTO show_availability (show_id, partner) VALUES
      ('s1', 'hulu'), ('s1', 'own'), ('s1', 'hulu'), ('s2', 'youtube');
    INSERT INTO identity_map (partner, partner_user_id, viewer_id) VALUES
      ('hulu', 'h-ann', 'ann'), ('own', 'o-ann', 'ann'),
      ('youtube', 'y-bob', 'bob'),
      ('youtube', 'y-shared', 'bob'), ('youtube', 'y-shared', 'cat'),
      ('hulu', 'h-nobody', NULL);
    INSERT INTO viewership_events (partner, partner_user_id, show_id, started_at, watch_seconds) VALUES
      ('hulu', 'h-ann', 's1', '2026-11-10 20:00:00', 1200),
      ('hulu', 'h-ann', 's1', '2026-11-10 20:00:00', 1500),
      ('own', 'o-ann', 's1', '2026-11-12 21:00:00', 90000),
      ('youtube', 'y-bob', 's2', '2026-11-15 19:00:00', 600),
      ('youtube', 'y-bob', 's2', '2026-11-16 19:00:00', -5),
      ('youtube', 'y-bob', 's2', '2026-12-01 19:00:00', 600),
      ('youtube', 'y-shared', 's2', '2026-11-15 19:00:00', 600),
      ('youtube', 'y-unknown', 's2', '2026-11-15 19:00:00', 600),
      ('hulu', 'h-ann', 'missing-show', '2026-11-15 19:00:00', 600),
      ('hulu', NULL, 's1', '2026-11-15 19:00:00', 600);
  `);
});

afterAll(async () => {
  await db.close();
});

describe('unload_viewership.sql', () => {
  it('aggregates per viewer, show and partner after dropping, clamping and deduplicating bad rows', async () => {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT viewer_id, show_id, partner, watch_seconds, view_count FROM (${select('unload_viewership.sql')}) v ORDER BY viewer_id, partner`,
    );
    expect(rows).toEqual([
      // duplicate event counted once with its longest watch time
      { viewer_id: 'ann', show_id: 's1', partner: 'hulu', watch_seconds: 1500, view_count: 1 },
      // 25 hours clamped to 6
      { viewer_id: 'ann', show_id: 's1', partner: 'own', watch_seconds: 21600, view_count: 1 },
      // negative watch time and the future event dropped; the shared account is ambiguous and dropped
      { viewer_id: 'bob', show_id: 's2', partner: 'youtube', watch_seconds: 600, view_count: 1 },
    ]);
  });
});

describe('the other UNLOAD selects', () => {
  it('lists each show once per partner carrying it', async () => {
    const { rows } = await db.query(`SELECT show_id, partner FROM (${select('unload_catalog.sql')}) c ORDER BY 1, 2`);
    expect(rows).toEqual([
      { show_id: 's1', partner: 'hulu' },
      { show_id: 's1', partner: 'own' },
      { show_id: 's2', partner: 'youtube' },
    ]);
  });

  it('lists unambiguous accounts and every known viewer once', async () => {
    const accounts = await db.query(
      `SELECT viewer_id, partner FROM (${select('unload_accounts.sql')}) a ORDER BY 1, 2`,
    );
    expect(accounts.rows).toEqual([
      { viewer_id: 'ann', partner: 'hulu' },
      { viewer_id: 'ann', partner: 'own' },
      { viewer_id: 'bob', partner: 'youtube' },
    ]);
    const viewers = await db.query(`SELECT viewer_id FROM (${select('unload_viewers.sql')}) v ORDER BY 1`);
    expect(viewers.rows).toEqual([{ viewer_id: 'ann' }, { viewer_id: 'bob' }]);
  });

  it('ranks popular shows by unique viewers in the last 28 days, one row per carrying partner', async () => {
    const { rows } = await db.query(
      `SELECT show_id, partner, unique_viewers, rank FROM (${select('unload_popular.sql')}) p ORDER BY rank, partner`,
    );
    expect(rows).toEqual([
      { show_id: 's1', partner: 'hulu', unique_viewers: 1, rank: 1 },
      { show_id: 's1', partner: 'own', unique_viewers: 1, rank: 1 },
      { show_id: 's2', partner: 'youtube', unique_viewers: 1, rank: 2 },
    ]);
  });
});

describe('unload_data_quality.sql', () => {
  it('counts every bad row the viewership cleaning drops, clamps or merges, one row per kind', async () => {
    const { rows } = await db.query<{ kind: string; row_count: number }>(select('unload_data_quality.sql'));

    expect(Object.fromEntries(rows.map((row) => [row.kind, Number(row.row_count)]))).toEqual({
      nullIds: 1, // the hulu event without an account
      futureEvents: 1, // bob's event after the as-of time
      nonPositiveWatchSeconds: 1, // bob's -5 seconds
      duplicateEvents: 1, // ann's hulu event recorded twice
      unknownViewer: 2, // the shared (ambiguous) account and the unmapped one
      unknownShow: 1, // ann on missing-show
      clampedWatchSeconds: 1, // ann's 25 hours on own
      ambiguousIdentityAccounts: 1, // y-shared → bob and cat
    });
    expect(rows.map((row) => row.kind)).toHaveLength(8);
  });
});

describe('the cleaning rules', () => {
  // unload_data_quality.sql counts the bad rows, so it alone reads the raw table; schema.sql defines the view.
  const RAW_READERS = new Set(['schema.sql', 'unload_data_quality.sql']);

  it('are applied by every other statement through clean_viewership_events, never the raw table', () => {
    const sqlDir = new URL('../sql/', import.meta.url);
    for (const name of readdirSync(sqlDir).filter((file) => file.endsWith('.sql') && !RAW_READERS.has(file))) {
      const code = sqlFile(name)
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('--'))
        .join('\n');
      expect(code, name).not.toMatch(/(?<!clean_)viewership_events/);
    }
  });

  it('keep bad rows out of the popular list and the report', async () => {
    const popular = () => db.query(`SELECT * FROM (${select('unload_popular.sql')}) p ORDER BY rank, partner`);
    const reportSql = readSqlStatement('report_top_shows.sql');
    const report = () =>
      db.query(
        reportSql.replaceAll(
          /:(\w+)/g,
          (_, name: string) => `$${['run_id', 'since', 'as_of', 'top_n', 'week_start_day'].indexOf(name) + 1}`,
        ),
        ['20261118T000000Z-run', '2026-11-09 00:00:00', '2026-11-20 00:00:00', '10', '0'],
      );
    await db.exec(sqlFile('schema_report.sql'));
    await db.exec(`INSERT INTO recommendation_exposures (run_id, viewer_id, show_id, rank, recommended_at)
                   VALUES ('20261101T000000Z-run', 'bob', 's1', 1, '2026-11-01 00:00:00')`);
    const before = { popular: (await popular()).rows, report: (await report()).rows };
    expect(before.report.length).toBeGreaterThan(0);
    // One row per cleaning rule, each of which would otherwise add bob as a viewer (and a hit) of s1 on hulu.
    await db.exec(`
      INSERT INTO identity_map (partner, partner_user_id, viewer_id) VALUES ('hulu', 'h-bob', 'bob');
      INSERT INTO viewership_events (partner, partner_user_id, show_id, started_at, watch_seconds) VALUES
        ('hulu', 'h-bob', 's1', '2026-11-14 20:00:00', 0),
        ('hulu', 'h-bob', 's1', '2026-11-14 21:00:00', -60),
        ('hulu', 'h-bob', 's1', NULL, 600),
        ('hulu', 'h-bob', 's1', '2026-11-25 20:00:00', 600);
    `);
    try {
      expect((await popular()).rows).toEqual(before.popular);
      expect((await report()).rows).toEqual(before.report);
    } finally {
      await db.exec(`
        DELETE FROM viewership_events WHERE partner_user_id = 'h-bob';
        DELETE FROM identity_map WHERE partner_user_id = 'h-bob';
        DELETE FROM recommendation_exposures;
      `);
    }
  });
});
