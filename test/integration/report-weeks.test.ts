import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReport } from '../../functions/report-top-shows/generate-report.js';
import { filterReport } from '../../functions/report-top-shows/query.js';
import type { WeekStartDay } from '../../functions/report-top-shows/report.js';
import { pgSqlRunner } from '../../local/pg-sql-runner.js';
import { loadWarehouseRows } from '../../local/report-sample-data.js';

// Week selection on the real SQL (issue #16), the clock pinned per case. Monday weeks: W0 = 2024-02-26 (data starts
// Wednesday 02-28), W1 = 2024-03-04, W2 = 2024-03-11. Brand A = shows s1, s2; brand B = s3.
const SHOWS = [
  ['s1', 'Alpha', 'drama', 'A'],
  ['s2', 'Beta', 'comedy', 'A'],
  ['s3', 'Gamma', 'news', 'B'],
];
const IDENTITIES = [
  ['hulu', 'h1', 'v1'],
  ['hulu', 'h2', 'v2'],
  ['hulu', 'h3', 'v3'],
  ['youtube', 'y4', 'v4'],
];
const EVENTS: [string, string, string, string, number][] = [
  ['hulu', 'h1', 's1', '2024-02-28 10:00:00', 1800], // W0 Wed: v1 (first day of data)
  ['hulu', 'h1', 's1', '2024-03-04 09:00:00', 3600], // W1: v1
  ['hulu', 'h2', 's1', '2024-03-05 09:00:00', 3600], // W1: v2
  ['hulu', 'h3', 's1', '2024-03-06 09:00:00', 3600], // W1: v3 → s1 3 viewers, A 4 viewers in W1
  ['youtube', 'y4', 's2', '2024-03-07 09:00:00', 3600], // W1: v4
  ['hulu', 'h1', 's1', '2024-03-11 10:00:00', 3600], // W2 Mon: v1
  ['hulu', 'h2', 's1', '2024-03-12 10:00:00', 3600], // W2 Tue: v2 → by Wed noon, s1 has 2 viewers
  ['hulu', 'h3', 's1', '2024-03-15 10:00:00', 3600], // W2 Fri: v3 → whole week, s1 3 viewers, A 3 viewers
  ['youtube', 'y4', 's3', '2024-03-16 10:00:00', 3600], // W2 Sat: v4 on B
];

let db: PGlite;
beforeAll(async () => {
  db = new PGlite();
  await loadWarehouseRows(db, { shows: SHOWS, identities: IDENTITIES, events: EVENTS });
});
afterAll(async () => {
  await db.close();
});

const reportAt = async (asOf: string, weekStartsOn?: WeekStartDay) =>
  (
    await generateReport(pgSqlRunner(db), {
      runId: '20240301T000000Z-weeks',
      asOf: new Date(asOf),
      generatedAt: new Date(asOf),
      weeks: 2,
      ...(weekStartsOn ? { weekStartsOn } : {}),
    })
  ).report;
const brandA = (report: Awaited<ReturnType<typeof reportAt>>, week: string) =>
  report.brandWeeks.find((b) => b.brand === 'A' && b.weekStart === week);
const alphaAll = (report: Awaited<ReturnType<typeof reportAt>>, week: string) =>
  report.topShows.find((r) => r.showId === 's1' && r.partner === 'all' && r.weekStart === week);

describe('the report on a pinned clock', () => {
  it('mid-week (Wednesday noon): opens on the last complete week and gives the week to date no change', async () => {
    const report = await reportAt('2024-03-13T12:00:00Z');

    expect(report.defaultWeek).toBe('2024-03-04');
    expect(report.weekStatus).toEqual([
      { weekStart: '2024-03-04', isComplete: true, throughDate: '2024-03-10' },
      { weekStart: '2024-03-11', isComplete: false, throughDate: '2024-03-13' },
    ]);
    // W1 against the whole of W0: A 4 vs 1 viewers, Alpha 3 vs 1.
    expect(brandA(report, '2024-03-04')).toMatchObject({ uniqueViewers: 4, prevUniqueViewers: 1, wowChange: 3 });
    expect(alphaAll(report, '2024-03-04')).toMatchObject({ uniqueViewers: 3, wowChange: 2 });
    // Two and a half days of W2 against all of W1 would read −50 % (A) and −33 % (Alpha): no change is given.
    expect(brandA(report, '2024-03-11')).toMatchObject({ uniqueViewers: 2, wowChange: null });
    expect(alphaAll(report, '2024-03-11')).toMatchObject({ uniqueViewers: 2, wowChange: null });
    expect(filterReport(report, {})).toMatchObject({ week: '2024-03-04', weekIsComplete: true });
    expect(filterReport(report, { week: '2024-03-11' })).toMatchObject({ weekIsComplete: false });
  });

  it('at the week boundary: the last second of Sunday completes the week and it is compared', async () => {
    const sunday = await reportAt('2024-03-17T23:59:59Z');
    const monday = await reportAt('2024-03-18T00:00:00Z');

    expect(sunday.defaultWeek).toBe('2024-03-11');
    expect(sunday.weekStatus.every((w) => w.isComplete)).toBe(true);
    expect(brandA(sunday, '2024-03-11')).toMatchObject({ uniqueViewers: 3, prevUniqueViewers: 4, wowChange: -0.25 });
    expect(alphaAll(sunday, '2024-03-11')).toMatchObject({ uniqueViewers: 3, wowChange: 0 });
    // One second later a new, empty week starts; the report still opens on the week that just ended.
    expect(monday.weeks).toEqual(['2024-03-11', '2024-03-18']);
    expect(monday.weekStatus.at(-1)).toEqual({ weekStart: '2024-03-18', isComplete: false, throughDate: '2024-03-18' });
    expect(monday.defaultWeek).toBe('2024-03-11');
  });

  it('on the first day of data: opens on the week to date, with nothing to compare', async () => {
    const report = await reportAt('2024-02-28T12:00:00Z');

    expect(report.weeks).toEqual(['2024-02-19', '2024-02-26']);
    expect(report.defaultWeek).toBe('2024-02-26');
    expect(report.weekStatus.at(-1)).toMatchObject({ isComplete: false });
    expect(brandA(report, '2024-02-26')).toMatchObject({ uniqueViewers: 1, wowChange: null });
  });

  it('starts weeks on the configured day (Sunday): weeks, completeness and changes move with it', async () => {
    const report = await reportAt('2024-03-13T12:00:00Z', 'sunday');

    expect(report.window.weekStartsOn).toBe('sunday');
    expect(report.weeks).toEqual(['2024-03-03', '2024-03-10']);
    expect(report.defaultWeek).toBe('2024-03-03');
    // Sunday 03-03 to Saturday 03-09 holds all of W1 (4 viewers of A); the week before holds only 02-28 (1).
    expect(brandA(report, '2024-03-03')).toMatchObject({ uniqueViewers: 4, prevUniqueViewers: 1, wowChange: 3 });
    expect(brandA(report, '2024-03-10')).toMatchObject({ uniqueViewers: 2, wowChange: null });
  });
});
