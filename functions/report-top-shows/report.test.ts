import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../_shared/errors.js';
import type { ExperimentReport } from './experiment-report.js';
import { filterReport } from './query.js';
import { buildReport, defaultWeek, reportParams, reportWindow, weekStart } from './report.js';

const window = reportWindow(new Date('2024-03-17T23:59:59Z'), 2);
const row = (showId: string, partner: string, week: string, viewers: number) => ({
  section: 'top_show',
  brand: 'A',
  partner,
  week_start: week,
  show_id: showId,
  title: showId.toUpperCase(),
  show_rank: 1,
  unique_viewers: String(viewers), // Postgres bigint and numeric may arrive as strings
  watch_hours: 1.23456,
  repeat_viewers: 0,
  repeat_rate: 0,
  prev_unique_viewers: null,
  wow_change: null,
});

describe('report window', () => {
  it('starts on the Monday of the first of the weeks ending with the as-of week', () => {
    expect(window).toEqual({ since: '2024-03-04 00:00:00', asOf: '2024-03-17 23:59:59', weekStartsOn: 'monday' });
    expect(weekStart(new Date('2024-03-11T00:00:00Z')).toISOString()).toBe('2024-03-11T00:00:00.000Z');
  });
});

describe('buildReport', () => {
  it('coerces driver values, rounds figures and lists every week of the window', () => {
    const report = buildReport([row('s1', 'hulu', '2024-03-11', 3)], {
      runId: 'r',
      generatedAt: 'now',
      window,
      topN: 10,
    });

    expect(report.weeks).toEqual(['2024-03-04', '2024-03-11']);
    expect(report.topShows[0]).toMatchObject({ uniqueViewers: 3, watchHours: 1.23 });
    expect(report.recommendations).toBeNull();
  });

  it('rejects rows that do not match the SQL columns', () => {
    expect(() => buildReport([{ section: 'top_show' }], { runId: 'r', generatedAt: 'now', window, topN: 10 })).toThrow(
      InvalidInputError,
    );
  });
});

describe('filterReport (GET /reports/top-shows)', () => {
  const report = buildReport(
    [
      row('s1', 'all', '2024-03-11', 3),
      row('s2', 'all', '2024-03-11', 5),
      row('s3', 'all', '2024-03-04', 9),
      {
        section: 'brand_week',
        brand: 'A',
        week_start: '2024-03-11',
        unique_viewers: 8,
        watch_hours: 2,
        prev_unique_viewers: null,
        wow_change: null,
      },
    ],
    { runId: 'r', generatedAt: 'now', window, topN: 10 },
  );

  it('defaults to the latest week with views, all partners, most viewers first', () => {
    const result = filterReport(report, {});

    expect(result.week).toBe('2024-03-11');
    expect(result.topShows.map((s) => s.showId)).toEqual(['s2', 's1']);
  });

  it('rejects a malformed or out-of-range week', () => {
    expect(() => filterReport(report, { week: 'last' })).toThrow(InvalidInputError);
    expect(() => filterReport(report, { week: '2023-01-02' })).toThrow(/outside the report/);
  });
});

describe('the report query parameters and window checks', () => {
  it('passes the run, the window and the week start day (0 = Monday) to the SQL', () => {
    const sundayWeeks = reportWindow(new Date('2024-03-17T12:00:00Z'), 3, 'sunday');

    expect(reportParams('20240317T020000Z-daily', sundayWeeks, 7)).toEqual({
      run_id: '20240317T020000Z-daily',
      since: '2024-03-03 00:00:00',
      as_of: '2024-03-17 12:00:00',
      top_n: '7',
      week_start_day: '6',
    });
  });

  it('accepts one week and refuses the rest by field', () => {
    const asOf = new Date('2024-03-17T12:00:00Z');
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return undefined;
    };

    expect(reportWindow(asOf, 1).since).toBe('2024-03-11 00:00:00');
    for (const weeks of [0, 1.5]) {
      expect(refusal(() => reportWindow(asOf, weeks))).toMatchObject({
        name: 'InvalidInputError',
        field: 'weeks',
        message: 'weeks must be a positive integer',
      });
    }
    expect(refusal(() => reportWindow(new Date(Number.NaN), 2))).toMatchObject({
      field: 'asOf',
      message: 'asOf is not a valid time',
    });
    expect(refusal(() => reportWindow(asOf, 2, 'someday' as never))).toMatchObject({
      field: 'weekStartsOn',
      message: 'weekStartsOn must be one of monday, tuesday, wednesday, thursday, friday, saturday, sunday',
    });
    expect(refusal(() => defaultWeek([], new Set()))).toMatchObject({
      field: 'weeks',
      message: 'the report window has no weeks',
    });
  });
});

describe('buildReport sections', () => {
  // asOf mid-week: 2024-03-04 is complete, 2024-03-11 is the week to date.
  const midWeek = reportWindow(new Date('2024-03-13T12:00:00Z'), 2);
  const meta = { runId: 'r', generatedAt: 'now', window: midWeek, topN: 10 };
  const brandWeek = (brand: string, week: string, wow: number | null, prev: number | null = 4) => ({
    section: 'brand_week',
    brand,
    week_start: week,
    unique_viewers: 8,
    watch_hours: '2.345',
    prev_unique_viewers: prev,
    wow_change: wow,
  });
  const hit = (showId: string, recommended: number, converted: number) => ({
    section: 'rec_hit',
    brand: 'A',
    show_id: showId,
    title: showId.toUpperCase(),
    exposure_run_id: '20240310T020000Z-daily',
    recommended_viewers: String(recommended),
    converted_viewers: converted,
    hit_rate: converted / recommended,
  });

  it('keeps brand weeks apart from top shows, rounds week over week for complete weeks only', () => {
    const report = buildReport(
      [
        { ...row('s1', 'hulu', '2024-03-04', 3), wow_change: 0.123456, prev_unique_viewers: '2' },
        { ...row('s2', 'own', '2024-03-11', 3), wow_change: 0.5 },
        brandWeek('B', '2024-03-04', 0.333333),
        brandWeek('A', '2024-03-04', null, null),
        brandWeek('A', '2024-03-11', 0.25),
      ],
      meta,
    );

    expect(report.topShows.map((s) => [s.showId, s.prevUniqueViewers, s.wowChange])).toEqual([
      ['s1', 2, 0.1235],
      ['s2', null, null],
    ]);
    expect(report.brandWeeks).toEqual([
      {
        brand: 'B',
        weekStart: '2024-03-04',
        uniqueViewers: 8,
        watchHours: 2.35,
        prevUniqueViewers: 4,
        wowChange: 0.3333,
      },
      {
        brand: 'A',
        weekStart: '2024-03-04',
        uniqueViewers: 8,
        watchHours: 2.35,
        prevUniqueViewers: null,
        wowChange: null,
      },
      {
        brand: 'A',
        weekStart: '2024-03-11',
        uniqueViewers: 8,
        watchHours: 2.35,
        prevUniqueViewers: 4,
        wowChange: null,
      },
    ]);
    expect(report.brands).toEqual(['A', 'B']);
    expect(report.partners).toEqual(['hulu', 'own']);
  });

  it('lists brands from both sections and partners other than all, sorted', () => {
    const report = buildReport(
      [
        { ...row('s1', 'own', '2024-03-04', 1), brand: 'C' },
        row('s1', 'all', '2024-03-04', 1),
        row('s2', 'hulu', '2024-03-04', 1),
        brandWeek('B', '2024-03-04', null),
      ],
      meta,
    );

    expect(report.brands).toEqual(['A', 'B', 'C']);
    expect(report.partners).toEqual(['hulu', 'own']);
  });

  it('opens on the newest complete week with views', () => {
    const window4 = reportWindow(new Date('2024-03-27T12:00:00Z'), 4);

    const report = buildReport([brandWeek('A', '2024-03-04', null)], { ...meta, window: window4 });

    expect(report.defaultWeek).toBe('2024-03-04');
  });

  it('sums the recommendation hits, rates them and orders shows by recommended viewers, then id', () => {
    const report = buildReport([hit('s2', 10, 1), hit('s1', 10, 4), hit('s3', 20, 0)], meta);

    expect(report.recommendations).toEqual({
      runId: '20240310T020000Z-daily',
      recommendedViewers: 40,
      convertedViewers: 5,
      hitRate: 0.125,
      shows: [
        { showId: 's3', title: 'S3', brand: 'A', recommendedViewers: 20, convertedViewers: 0, hitRate: 0 },
        { showId: 's1', title: 'S1', brand: 'A', recommendedViewers: 10, convertedViewers: 4, hitRate: 0.4 },
        { showId: 's2', title: 'S2', brand: 'A', recommendedViewers: 10, convertedViewers: 1, hitRate: 0.1 },
      ],
    });
  });

  it('rates no recommended viewers as a hit rate of 0', () => {
    const report = buildReport([{ ...hit('s1', 1, 0), recommended_viewers: 0, hit_rate: 0 }], meta);

    expect(report.recommendations).toMatchObject({ recommendedViewers: 0, convertedViewers: 0, hitRate: 0 });
  });

  it('names the row that does not match the columns', () => {
    expect(() => buildReport([brandWeek('A', '2024-03-04', null), { section: 'top_show' }], meta)).toThrow(
      /^report row 1 does not match the SQL's columns: /,
    );
  });
});

describe('filterReport options', () => {
  const window3 = reportWindow(new Date('2024-03-24T23:59:59Z'), 3);
  const shows = [
    row('s1', 'all', '2024-03-18', 3),
    row('s2', 'all', '2024-03-18', 5),
    { ...row('s3', 'all', '2024-03-18', 9), brand: 'B' },
    row('s4', 'hulu', '2024-03-18', 1),
  ];
  const brandWeekRow = (brand: string, week: string) => ({
    section: 'brand_week',
    brand,
    week_start: week,
    unique_viewers: 1,
    watch_hours: 1,
    prev_unique_viewers: null,
    wow_change: null,
  });
  const report = buildReport([...shows, brandWeekRow('A', '2024-03-18'), brandWeekRow('B', '2024-03-11')], {
    runId: 'r',
    generatedAt: 'now',
    window: window3,
    topN: 2,
  });

  it('keeps the top N of the chosen brand, partner and week, and echoes the brand', () => {
    expect(filterReport(report, {}).topShows.map((s) => s.showId)).toEqual(['s3', 's2']);
    const a = filterReport(report, { brand: 'A' });
    expect(a.topShows.map((s) => s.showId)).toEqual(['s2', 's1']);
    expect(a.brand).toBe('A');
    expect(a.brandWeeks.map((b) => b.brand)).toEqual(['A']);
    expect(filterReport(report, {}).brandWeeks.map((b) => b.brand)).toEqual(['A', 'B']);
    expect(filterReport(report, { partner: 'hulu' }).topShows.map((s) => s.showId)).toEqual(['s4']);
    expect(filterReport(report, { brand: 'B', partner: 'hulu' }).topShows).toEqual([]);
  });

  it('says whether the chosen week is complete, and null for a report written before weekStatus', () => {
    const toDate = buildReport([], {
      runId: 'r',
      generatedAt: 'now',
      window: reportWindow(new Date('2024-03-20T00:00:00Z'), 2),
      topN: 2,
    });

    expect(filterReport(report, { week: '2024-03-11' }).weekIsComplete).toBe(true);
    expect(filterReport(toDate, { week: '2024-03-18' }).weekIsComplete).toBe(false);
    expect(filterReport({ ...report, weekStatus: undefined as never }, {}).weekIsComplete).toBeNull();
  });

  it('falls back, for a report without defaultWeek, to the newest week with views, else the newest week', () => {
    const fourWeeks = reportWindow(new Date('2024-03-31T23:59:59Z'), 4);
    const older = buildReport(
      [brandWeekRow('A', '2024-03-04'), brandWeekRow('B', '2024-03-11'), brandWeekRow('A', '2024-03-18')],
      { runId: 'r', generatedAt: 'now', window: fourWeeks, topN: 2 },
    );
    const empty = buildReport([], {
      runId: 'r',
      generatedAt: 'now',
      window: reportWindow(new Date('2024-03-24T23:59:59Z'), 3),
      topN: 2,
    });

    expect(filterReport({ ...older, defaultWeek: undefined as never }, {}).week).toBe('2024-03-18');
    expect(filterReport({ ...empty, defaultWeek: undefined as never }, {}).week).toBe('2024-03-18');
  });

  it('says what is wrong with a bad query, and which weeks the report has', () => {
    expect(() => filterReport(report, { week: 'last' })).toThrow('bad query: week must be YYYY-MM-DD (a week start)');
    expect(() => filterReport(report, { week: '2023-01-02' })).toThrow(
      'week 2023-01-02 is outside the report (2024-03-04 to 2024-03-18)',
    );
  });

  it("filters the experiment's brands like the brand weeks", () => {
    const experiment = { id: 'exp', brands: [{ brand: 'A' }, { brand: 'B' }] } as unknown as ExperimentReport;

    expect(filterReport({ ...report, experiment }, { brand: 'B' }).experiment).toEqual({
      id: 'exp',
      brands: [{ brand: 'B' }],
    });
    expect(filterReport({ ...report, experiment }, {}).experiment).toEqual(experiment);
    expect(filterReport({ ...report, experiment: null }, {}).experiment).toBeNull();
  });
});
