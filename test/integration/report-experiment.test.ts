import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONTROL_SHARE, type Experiment } from '../../functions/_shared/experiment.js';
import { buildExperimentReport, type ExperimentReport } from '../../functions/report-top-shows/experiment-report.js';
import { REPORT_EXPERIMENT_SQL } from '../../functions/report-top-shows/report-experiment-sql.generated.js';
import { pgSqlRunner } from '../../local/pg-sql-runner.js';
import { RETENTION_MODEL } from '../../local/sample-activity.js';
import { generateSample, loadSample } from '../../local/sample-data.js';

// Issue #18, "proving the analysis" end to end: the sample generator plants a 5-point retention lift for treatment
// viewers (what `recs run --viewers 50000 --simulate-lift 0.05` does), the warehouse runs sql/report_experiment.sql,
// and the report's 95 % interval must contain the truth and exclude zero at the default 10 % control share.
const sql = (name: string) => readFileSync(new URL(`../../sql/${name}`, import.meta.url), 'utf8');
const END = new Date('2026-11-30T00:00:00Z'); // a Monday: the 28 days are four whole weeks
const EXPERIMENT: Experiment = {
  id: 'holdout-sample',
  start: '2026-11-02T00:00:00.000Z',
  controlShare: DEFAULT_CONTROL_SHARE,
  control: 'popular',
};
const LIFT = 0.05;
let db: PGlite;
let report: ExperimentReport;

beforeAll(async () => {
  db = new PGlite();
  await db.exec(sql('schema.sql'));
  await db.exec(sql('schema_report.sql'));
  const data = generateSample({
    viewers: 50_000,
    shows: 40,
    days: 28,
    seed: 42,
    eventsPerViewer: 2,
    endDate: END,
    experiment: EXPERIMENT,
    simulateLift: LIFT,
  });
  await loadSample(db, data);
  await db.exec('ANALYZE');
  report = await buildExperimentReport(pgSqlRunner(db), REPORT_EXPERIMENT_SQL, {
    experiment: EXPERIMENT,
    runId: '20261130T000000Z-sample',
    asOf: END,
  });
}, 600_000);

afterAll(async () => {
  await db?.close();
});

describe('the experiment report on a 50,000-viewer sample with a planted 5-point lift', () => {
  it('assigns every viewer, about 10 % to control', () => {
    const { control, treatment } = report.variants;

    expect(control.viewers + treatment.viewers).toBe(50_000);
    expect(Math.abs(control.viewers / 50_000 - 0.1)).toBeLessThan(0.01);
    expect(report.weeks).toEqual(['2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23']);
  });

  it('measures control retention near the simulated return probability', () => {
    expect(report.variants.control.retention).toBeGreaterThan(RETENTION_MODEL.returnProbability - 0.03);
    expect(report.variants.control.retention).toBeLessThan(RETENTION_MODEL.returnProbability + 0.03);
  });

  it('gives a 95 % interval that contains the true lift and excludes zero', () => {
    const lift = report.retentionLift;

    expect(lift?.ci95[0]).toBeLessThan(LIFT);
    expect(lift?.ci95[1]).toBeGreaterThan(LIFT);
    expect(lift?.ci95[0]).toBeGreaterThan(0);
    expect(lift?.verdict).toBe('lift');
    // More retained weeks mean more watching: treatment watches more per viewer.
    expect(report.watchTimeLift?.estimate).toBeGreaterThan(0);
  });

  it('reports every brand and a retention per variant for each measured week', () => {
    expect(report.brands.length).toBeGreaterThan(1);
    expect(report.retentionByWeek.slice(1).every((w) => w.control !== null && w.treatment !== null)).toBe(true);
  });
});
