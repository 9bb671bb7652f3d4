import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReport } from '../../functions/report-top-shows/generate-report.js';
import { reportParams, reportWindow } from '../../functions/report-top-shows/report.js';
import { REPORT_TOP_SHOWS_SQL } from '../../functions/report-top-shows/report-sql.generated.js';
import type { SqlRow } from '../../functions/report-top-shows/sql-runner.js';
import { pgSqlRunner } from '../../local/pg-sql-runner.js';
import { loadWarehouseRows } from '../../local/report-sample-data.js';

// A small fixed warehouse whose figures are worked out by hand in the comments (weeks start on Monday).
// W0 = 2024-02-26 (read only for week-over-week), W1 = 2024-03-04, W2 = 2024-03-11; as-of Sunday 2024-03-17 23:59:59.
const SHOWS = [
  ['s1', 'Alpha', 'drama', 'A'],
  ['s2', 'Beta', 'comedy', 'A'],
  ['s3', 'Gamma', 'news', 'B'],
];
const IDENTITIES = [
  ['hulu', 'h1', 'v1'],
  ['youtube', 'y1', 'v1'],
  ['hulu', 'h2', 'v2'],
  ['youtube', 'y3', 'v3'],
  ['own', 'o4', 'v4'],
  ['hulu', 'hx', 'vA'], // hx maps to two viewers: ambiguous, dropped
  ['hulu', 'hx', 'vB'],
];
const EVENTS: [string, string, string, string, number][] = [
  ['hulu', 'h1', 's1', '2024-02-28 10:00:00', 1800], // W0: v1
  ['hulu', 'h1', 's1', '2024-03-04 09:00:00', 3600], // W1: v1
  ['hulu', 'h1', 's1', '2024-03-06 20:00:00', 1800], // W1: v1 again on hulu (repeat)
  ['hulu', 'h2', 's1', '2024-03-05 21:00:00', 3600], // W1: v2
  ['youtube', 'y1', 's1', '2024-03-07 18:00:00', 1800], // W1: v1 on youtube
  ['youtube', 'y3', 's2', '2024-03-08 12:00:00', 7200], // W1: v3
  ['hulu', 'hx', 's1', '2024-03-08 12:00:00', 9999], // ambiguous account: dropped
  ['hulu', 'h2', 's9', '2024-03-08 13:00:00', 1000], // unknown show: dropped
  ['hulu', 'h2', 's2', '2024-03-09 10:00:00', 0], // zero seconds: dropped
  ['hulu', 'h1', 's1', '2024-03-12 10:00:00', 1200], // W2: v1
  ['hulu', 'h1', 's1', '2024-03-12 10:00:00', 600], // duplicate of the line above: counts once, 1200 s
  ['own', 'o4', 's1', '2024-03-13 10:00:00', 30000], // W2: v4, clamped to 6 h
  ['youtube', 'y3', 's3', '2024-03-14 10:00:00', 3600], // W2: v3
  ['youtube', 'y3', 's2', '2024-03-15 10:00:00', 3600], // W2: v3
  ['youtube', 'y3', 's2', '2024-03-16 10:00:00', 3600], // W2: v3 again (repeat)
  ['hulu', 'h2', 's1', '2024-03-18 10:00:00', 3600], // after as-of: ignored
];
const RUN_ID = '20240317T120000Z-now';
const EXPOSURES = [
  ['20240303T000000Z-old', 'v2', 's3', 1, '2024-03-03 00:00:00'], // older run: superseded
  ['20240310T000000Z-r2', 'v1', 's1', 1, '2024-03-10 00:00:00'], // watched 03-12: hit
  ['20240310T000000Z-r2', 'v1', 's1', 2, '2024-03-10 06:00:00'], // same viewer and show twice: counts once
  ['20240310T000000Z-r2', 'v2', 's1', 1, '2024-03-10 00:00:00'], // watched only before, and after as-of: miss
  ['20240310T000000Z-r2', 'v3', 's2', 1, '2024-03-10 00:00:00'], // watched 03-15: hit
  ['20240310T000000Z-r2', 'v3', 's3', 2, '2024-03-10 00:00:00'], // watched 03-14: hit
  ['20240310T000000Z-r2', 'v4', 's3', 1, '2024-03-10 00:00:00'], // never watched: miss
  ['20240320T000000Z-future', 'v4', 's2', 1, '2024-03-20 00:00:00'], // later than the reported run: ignored
];
const AS_OF = new Date('2024-03-17T23:59:59Z');

let db: PGlite;
beforeAll(async () => {
  db = new PGlite();
  await loadWarehouseRows(db, { shows: SHOWS, identities: IDENTITIES, events: EVENTS, exposures: EXPOSURES });
});
afterAll(async () => {
  await db.close();
});

const runSql = (topN = 10) =>
  pgSqlRunner(db).run(REPORT_TOP_SHOWS_SQL, reportParams(RUN_ID, reportWindow(AS_OF, 2), topN));
const pick = (rows: SqlRow[], section: string, partner: string | null, week: string | null, showId: string | null) =>
  rows.find(
    (r) => r.section === section && r.partner === partner && r.week_start === week && r.show_id === showId,
  ) as SqlRow;
const figures = (row: SqlRow) => ({
  rank: row.show_rank,
  viewers: Number(row.unique_viewers),
  hours: Number((row.watch_hours as number).toFixed(4)),
  repeat: row.repeat_rate,
  prev: row.prev_unique_viewers === null ? null : Number(row.prev_unique_viewers),
  wow: row.wow_change,
});

describe('sql/report_top_shows.sql on a hand-computed warehouse', () => {
  it('ranks shows per brand, partner and week with viewers, hours, repeat rate and week-over-week change', async () => {
    const rows = await runSql();

    // hulu W1, Alpha: v1 (2 views) and v2; 3600+1800+3600 s; W0 had v1 alone.
    expect(figures(pick(rows, 'top_show', 'hulu', '2024-03-04', 's1'))).toEqual({
      rank: 1,
      viewers: 2,
      hours: 2.5,
      repeat: 0.5,
      prev: 1,
      wow: 1,
    });
    // youtube W1: Beta and Alpha tie on one viewer each; Beta has more watch time, so it ranks first.
    expect(figures(pick(rows, 'top_show', 'youtube', '2024-03-04', 's2'))).toMatchObject({
      rank: 1,
      viewers: 1,
      hours: 2,
    });
    expect(figures(pick(rows, 'top_show', 'youtube', '2024-03-04', 's1'))).toEqual({
      rank: 2,
      viewers: 1,
      hours: 0.5,
      repeat: 0,
      prev: null,
      wow: null,
    });
    // all partners W1, Alpha: v1 watched 3 times across hulu and youtube, v2 once; 10800 s.
    expect(figures(pick(rows, 'top_show', 'all', '2024-03-04', 's1'))).toEqual({
      rank: 1,
      viewers: 2,
      hours: 3,
      repeat: 0.5,
      prev: 1,
      wow: 1,
    });
    // hulu W2, Alpha: the duplicate event counts once (1200 s); 2 viewers the week before → -50 %.
    expect(figures(pick(rows, 'top_show', 'hulu', '2024-03-11', 's1'))).toEqual({
      rank: 1,
      viewers: 1,
      hours: 0.3333,
      repeat: 0,
      prev: 2,
      wow: -0.5,
    });
    // own W2: 30000 s clamped to 21600 s.
    expect(figures(pick(rows, 'top_show', 'own', '2024-03-11', 's1'))).toMatchObject({
      viewers: 1,
      hours: 6,
      prev: null,
    });
    // all partners W2: Alpha v1 + v4 (1200 + 21600 s); Beta v3 twice; Gamma ranks alone in brand B.
    expect(figures(pick(rows, 'top_show', 'all', '2024-03-11', 's1'))).toEqual({
      rank: 1,
      viewers: 2,
      hours: 6.3333,
      repeat: 0,
      prev: 2,
      wow: 0,
    });
    expect(figures(pick(rows, 'top_show', 'all', '2024-03-11', 's2'))).toEqual({
      rank: 2,
      viewers: 1,
      hours: 2,
      repeat: 1,
      prev: 1,
      wow: 0,
    });
    expect(figures(pick(rows, 'top_show', 'all', '2024-03-11', 's3'))).toMatchObject({
      rank: 1,
      viewers: 1,
      prev: null,
    });
    // W0 is read for the lag only; dropped rows (ambiguous account, unknown show, zero seconds) never appear.
    const topShows = rows.filter((r) => r.section === 'top_show');
    expect(topShows.map((r) => r.week_start)).not.toContain('2024-02-26');
    expect(topShows.map((r) => r.show_id)).not.toContain('s9');
    expect(topShows).toHaveLength(12); // W1: hulu 1, youtube 2, all 2; W2: hulu 1, own 1, youtube 2, all 3
  });

  it('gives each brand weekly unique viewers and watch hours across partners', async () => {
    const rows = await runSql();

    const brandWeeks = rows
      .filter((r) => r.section === 'brand_week')
      .map((r) => ({ ...figures(r), brand: r.brand, week: r.week_start }));

    // A, W1: v1, v2, v3; 18000 s. A, W2: v1, v4, v3; 30000 s. B, W2: v3; 3600 s.
    expect(brandWeeks).toEqual([
      { brand: 'A', week: '2024-03-04', rank: null, viewers: 3, hours: 5, repeat: null, prev: 1, wow: 2 },
      { brand: 'A', week: '2024-03-11', rank: null, viewers: 3, hours: 8.3333, repeat: null, prev: 3, wow: 0 },
      { brand: 'B', week: '2024-03-11', rank: null, viewers: 1, hours: 1, repeat: null, prev: null, wow: null },
    ]);
  });

  it('counts the hit rate of the newest run recommended at or before the reported run', async () => {
    const rows = await runSql();

    const hits = rows
      .filter((r) => r.section === 'rec_hit')
      .map((r) => [
        r.exposure_run_id,
        r.show_id,
        Number(r.recommended_viewers),
        Number(r.converted_viewers),
        r.hit_rate,
      ]);

    expect(hits).toEqual([
      ['20240310T000000Z-r2', 's1', 2, 1, 0.5],
      ['20240310T000000Z-r2', 's2', 1, 1, 1],
      ['20240310T000000Z-r2', 's3', 2, 1, 0.5],
    ]);
  });

  it('keeps only the top N shows per brand, partner and week', async () => {
    const rows = await runSql(1);

    const youtubeW1 = rows.filter(
      (r) => r.section === 'top_show' && r.partner === 'youtube' && r.week_start === '2024-03-04',
    );
    expect(youtubeW1.map((r) => r.show_id)).toEqual(['s2']);
  });

  it('builds the report JSON with every week of the window and the overall hit rate', async () => {
    const { report, html } = await generateReport(pgSqlRunner(db), {
      runId: RUN_ID,
      asOf: AS_OF,
      generatedAt: new Date('2024-03-18T06:00:00Z'),
      weeks: 3,
    });

    expect(report.weeks).toEqual(['2024-02-26', '2024-03-04', '2024-03-11']);
    expect(report.brands).toEqual(['A', 'B']);
    expect(report.partners).toEqual(['hulu', 'own', 'youtube']);
    expect(report.recommendations).toMatchObject({
      runId: '20240310T000000Z-r2',
      recommendedViewers: 5,
      convertedViewers: 3,
      hitRate: 0.6,
    });
    expect(report.topShows.find((r) => r.partner === 'hulu' && r.weekStart === '2024-03-11')).toMatchObject({
      title: 'Alpha',
      watchHours: 0.33,
      wowChange: -0.5,
    });
    expect(html).toContain('<canvas id="chart-top-shows"');
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
});
