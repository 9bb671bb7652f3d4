import type { Experiment } from '../_shared/experiment.js';
import { buildExperimentReport } from './experiment-report.js';
import { renderReportHtml } from './render-html.js';
import { buildReport, reportParams, reportWindow, type TopShowsReport, type WeekStartDay } from './report.js';
import { REPORT_EXPERIMENT_SQL } from './report-experiment-sql.generated.js';
import { REPORT_TOP_SHOWS_SQL } from './report-sql.generated.js';
import type { SqlRunner } from './sql-runner.js';

export interface ReportOptions {
  runId: string;
  /** Last instant the report covers (the run's as-of time). */
  asOf: Date;
  /** When the report is made; from the caller's clock. */
  generatedAt: Date;
  /** Weeks covered, ending with the one holding asOf (the week to date unless asOf ends it). */
  weeks?: number;
  /** Day the report's weeks start on (default Monday). */
  weekStartsOn?: WeekStartDay;
  /** Shows kept per brand × partner × week. */
  topN?: number;
  /** The stage's experiment (issue #18): adds the `experiment` section. */
  experiment?: Experiment;
}

export const DEFAULT_REPORT_WEEKS = 8;
export const DEFAULT_REPORT_TOP_N = 10;

/** Runs sql/report_top_shows.sql through `sql` and returns the report and its HTML page. */
export async function generateReport(
  sql: SqlRunner,
  options: ReportOptions,
): Promise<{ report: TopShowsReport; html: string }> {
  const topN = options.topN ?? DEFAULT_REPORT_TOP_N;
  const window = reportWindow(options.asOf, options.weeks ?? DEFAULT_REPORT_WEEKS, options.weekStartsOn);
  const rows = await sql.run(REPORT_TOP_SHOWS_SQL, reportParams(options.runId, window, topN));
  const report = buildReport(rows, {
    runId: options.runId,
    generatedAt: options.generatedAt.toISOString(),
    window,
    topN,
  });
  if (options.experiment) {
    report.experiment = await buildExperimentReport(sql, REPORT_EXPERIMENT_SQL, {
      experiment: options.experiment,
      runId: options.runId,
      asOf: options.asOf,
    });
  }
  return { report, html: renderReportHtml(report) };
}
