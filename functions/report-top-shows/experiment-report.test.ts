import { describe, expect, it } from 'vitest';
import { NULL_EXPERIMENT_ROW as NULLS } from '../../test/support/experiment-rows.js';
import type { Experiment } from '../_shared/experiment.js';
import { renderExperimentSection } from './experiment-html.js';
import { buildExperimentReport, experimentReportFromRows, outcomeWeeks } from './experiment-report.js';
import { welchDifference } from './experiment-stats.js';

const EXPERIMENT: Experiment = {
  id: 'holdout-<1>',
  start: '2026-11-04T12:00:00.000Z',
  controlShare: 0.1,
  control: 'popular',
};

/** Rows as sql/report_experiment.sql returns them (numbers may arrive as strings from the Data API). */
const variantBrand = (variant: string, brand: string, a: number, r: number, w: number) => ({
  section: 'variant_brand',
  variant,
  brand,
  week_start: null,
  viewers: '0',
  active_weeks: a,
  retained_weeks: r,
  // one week per active viewer: Σa² = Σa, Σr² = Σar = Σr
  active_weeks_sq: a,
  retained_weeks_sq: r,
  active_retained_weeks: r,
  watch_seconds: w,
  watch_seconds_sq: w * 3600,
  exposures: null,
  conversions: null,
});
const ROWS = [
  { ...NULLS, section: 'variant', variant: 'control', viewers: '100' },
  { ...NULLS, section: 'variant', variant: 'treatment', viewers: 900 },
  variantBrand('control', 'all', 100, 45, 36_000),
  variantBrand('treatment', 'all', 900, 540, 360_000),
  variantBrand('treatment', 'Northlight', 400, 200, 100_000),
  {
    ...NULLS,
    section: 'retention_week',
    variant: 'control',
    brand: 'all',
    week_start: '2026-11-09',
    active_weeks: 100,
    retained_weeks: 45,
  },
  {
    ...NULLS,
    section: 'retention_week',
    variant: 'treatment',
    brand: 'all',
    week_start: '2026-11-09',
    active_weeks: 900,
    retained_weeks: 540,
  },
  { ...NULLS, section: 'hits', variant: 'treatment', brand: 'all', exposures: '1000', conversions: '120' },
];

describe('outcomeWeeks', () => {
  it('starts at the first whole week inside the experiment and ends with the last complete week', () => {
    const { first, last } = outcomeWeeks(EXPERIMENT, new Date('2026-11-25T08:00:00Z'));

    expect(new Date(first).toISOString()).toBe('2026-11-09T00:00:00.000Z');
    expect(new Date(last).toISOString()).toBe('2026-11-16T00:00:00.000Z');
  });

  it('counts a week that ends exactly at the as-of time, and stops at the end date', () => {
    const asOfMonday = outcomeWeeks({ ...EXPERIMENT, start: '2026-11-09T00:00:00Z' }, new Date('2026-11-23T00:00:00Z'));
    const ended = outcomeWeeks({ ...EXPERIMENT, end: '2026-11-20T00:00:00.000Z' }, new Date('2026-12-25T00:00:00Z'));

    expect(new Date(asOfMonday.first).toISOString().slice(0, 10)).toBe('2026-11-09');
    expect(new Date(asOfMonday.last).toISOString().slice(0, 10)).toBe('2026-11-16');
    expect(new Date(ended.last).toISOString().slice(0, 10)).toBe('2026-11-09');
  });

  it('does not count a week until its last millisecond has passed', () => {
    const lastMs = outcomeWeeks(EXPERIMENT, new Date('2026-11-22T23:59:59.999Z'));

    expect(new Date(lastMs.last).toISOString().slice(0, 10)).toBe('2026-11-09');
  });
});

describe('buildExperimentReport', () => {
  it('asks the SQL for the experiment, its threshold, the outcome weeks, the run and the as-of time', async () => {
    // Prepare
    const calls: { sql: string; params: Readonly<Record<string, string>> }[] = [];
    const sql = {
      run: async (text: string, params: Readonly<Record<string, string>>) => {
        calls.push({ sql: text, params });
        return ROWS;
      },
    };

    // Act
    const report = await buildExperimentReport(sql, 'SELECT experiment', {
      experiment: EXPERIMENT,
      runId: '20261125T080000Z-daily',
      asOf: new Date('2026-11-25T08:00:00.500Z'),
    });

    // Assess
    expect(calls).toEqual([
      {
        sql: 'SELECT experiment',
        params: {
          experiment_id: 'holdout-<1>',
          control_threshold: '1677722',
          first_week: '2026-11-09 00:00:00',
          last_week: '2026-11-16 00:00:00',
          run_id: '20261125T080000Z-daily',
          as_of: '2026-11-25 08:00:00',
        },
      },
    ]);
    expect(report.weeks).toEqual(['2026-11-09', '2026-11-16']);
  });

  it('asks for no weeks before one is complete', async () => {
    const calls: Readonly<Record<string, string>>[] = [];
    const sql = {
      run: async (_: string, params: Readonly<Record<string, string>>) => {
        calls.push(params);
        return [];
      },
    };

    const report = await buildExperimentReport(sql, 'SELECT experiment', {
      experiment: EXPERIMENT,
      runId: '20261110T080000Z-daily',
      asOf: new Date('2026-11-10T08:00:00Z'),
    });

    expect(report.weeks).toEqual([]);
    expect(calls[0]).toMatchObject({ first_week: '2026-11-09 00:00:00', last_week: '2026-11-02 00:00:00' });
  });
});

describe('experimentReportFromRows', () => {
  // Built in each test (not once in the describe body), so a failure to build fails the tests that read it.
  const build = () => experimentReportFromRows(ROWS, EXPERIMENT, ['2026-11-09']);

  it('counts no viewers for a variant without a variant row', () => {
    const report = experimentReportFromRows(ROWS.slice(1), EXPERIMENT, ['2026-11-09']);

    expect(report.variants.control).toMatchObject({ viewers: 0, watchHoursPerViewer: 0 });
  });

  it('gives per-variant viewers, retention, watch hours per assigned viewer and hit rate', () => {
    const report = build();
    expect(report.variants.control).toMatchObject({
      viewers: 100,
      retention: 0.45,
      watchHoursPerViewer: 0.1,
      hitRate: null,
    });
    expect(report.variants.treatment).toMatchObject({
      viewers: 900,
      retention: 0.6,
      watchHoursPerViewer: 0.1111,
      hitRate: 0.12,
      exposures: 1000,
    });
  });

  it('gives the retention lift in proportion points with its 95 % interval', () => {
    const report = build();
    // √(.6·.4/900 + .45·.55/100) = 0.0523609; 0.15 ± 1.959964 × that.
    expect(report.retentionLift?.estimate).toBeCloseTo(0.15, 6);
    expect(report.retentionLift?.ci95[0]).toBeCloseTo(0.15 - 1.959964 * 0.0523609, 4);
    expect(report.retentionLift?.ci95[1]).toBeCloseTo(0.15 + 1.959964 * 0.0523609, 4);
    expect(report.retentionLift?.summary).toMatch(/^lift of 15\.0 points/);
  });

  it('keeps every assigned viewer in each brand (zeros for the inactive) and lists the weeks for the chart', () => {
    const report = build();
    const northlight = report.brands.find((b) => b.brand === 'Northlight');

    expect(northlight?.variants.treatment).toMatchObject({ viewers: 900, retention: 0.5 });
    expect(northlight?.variants.control).toMatchObject({ viewers: 100, retention: null });
    expect(northlight?.retentionLift).toBeNull();
    expect(report.retentionByWeek).toEqual([{ weekStart: '2026-11-09', control: 0.45, treatment: 0.6 }]);
  });

  it('rejects a row that does not match the SQL', () => {
    expect(() => experimentReportFromRows([{ section: 'variant', variant: 'both' }], EXPERIMENT, [])).toThrow(/row 0/);
  });

  it('renders a panel with the chart, a sortable table and escaped names', () => {
    const report = build();
    const html = renderExperimentSection(report);

    expect(html).toContain('id="chart-experiment-retention"');
    expect(html).toContain('<table id="experiment-table">');
    expect(html).toContain('holdout-&lt;1&gt;');
    expect(html).not.toContain('holdout-<1>');
    expect(renderExperimentSection(null)).toBe('');
  });

  it('measures the watch-time lift in hours per assigned viewer: seconds and squared seconds both converted', () => {
    const report = build();

    // Hours: treatment Σw = 100, Σw² = 100 over 900 viewers; control Σw = 10, Σw² = 10 over 100 (the rows' w·3600).
    const expected = welchDifference({ viewers: 900, sum: 100, sumSq: 100 }, { viewers: 100, sum: 10, sumSq: 10 });
    expect(expected?.standardError).toBeCloseTo(0.031921, 5);
    expect(report.watchTimeLift).toMatchObject({
      estimate: Number((1 / 90).toFixed(6)),
      standardError: Number(expected?.standardError.toFixed(6)),
      verdict: 'not-enough-data',
    });
    expect(report.watchTimeLift?.summary).toBe(
      'not enough data yet: 0.01 h per viewer (95 % CI -0.05 h per viewer to 0.07 h per viewer); this sample detects effects from 0.09 h per viewer',
    );
  });

  it('words a drop, and a lift, with the estimate and its interval', () => {
    const rows = (treatmentRetained: number) => [
      ...ROWS.slice(0, 2),
      variantBrand('control', 'all', 100, 45, 36_000),
      variantBrand('treatment', 'all', 900, treatmentRetained, 360_000),
    ];

    const drop = experimentReportFromRows(rows(270), EXPERIMENT, []).retentionLift;
    const lift = experimentReportFromRows(rows(540), EXPERIMENT, []).retentionLift;

    // Drop: √(.3·.7/900 + .45·.55/100) = 0.052042, × 1.959964 = 10.2 points; lift: 0.0523609 → 10.3 points.
    expect(drop?.summary).toBe('drop of -15.0 points (95 % CI -25.2 points to -4.8 points)');
    expect(lift?.summary).toBe('lift of 15.0 points (95 % CI 4.7 points to 25.3 points)');
  });

  it('lists the brands other than all, sorted, and keeps the end date', () => {
    const rows = [...ROWS, variantBrand('treatment', 'Zeta', 10, 5, 0), variantBrand('control', 'Alpha', 10, 5, 0)];

    const report = experimentReportFromRows(rows, { ...EXPERIMENT, end: '2026-12-01T00:00:00.000Z' }, []);

    expect(report.brands.map((b) => b.brand)).toEqual(['Alpha', 'Northlight', 'Zeta']);
    expect(report.end).toBe('2026-12-01T00:00:00.000Z');
    expect(build().end).toBeNull();
  });

  it("charts only every brand's weekly retention, and no retention for a week nobody was active in", () => {
    const week = (brand: string, weekStart: string, variant: string, active: number, retained: number) => ({
      ...NULLS,
      section: 'retention_week',
      variant,
      brand,
      week_start: weekStart,
      active_weeks: active,
      retained_weeks: retained,
    });
    const rows = [
      ...ROWS,
      week('Northlight', '2026-11-09', 'control', 10, 1),
      week('Northlight', '2026-11-16', 'treatment', 10, 9),
      week('all', '2026-11-16', 'control', 0, 0),
    ];

    const report = experimentReportFromRows(rows, EXPERIMENT, ['2026-11-09', '2026-11-16']);

    expect(report.retentionByWeek).toEqual([
      { weekStart: '2026-11-09', control: 0.45, treatment: 0.6 },
      { weekStart: '2026-11-16', control: null, treatment: null },
    ]);
  });
});
