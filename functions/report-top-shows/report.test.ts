import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../_shared/errors.js';
import { filterReport } from './query.js';
import { buildReport, reportWindow, weekStart } from './report.js';

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
