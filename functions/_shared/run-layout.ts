import { z } from 'zod';
import { InvalidInputError } from './errors.js';

/**
 * The run contract (docs/contracts.md), defined here once: a run id is `YYYYMMDDTHHMMSSZ-<name>` (the execution's
 * start time, then its name reduced to `[A-Za-z0-9_-]`), so run ids sort by start time; everything a run writes to
 * S3 lives under `runs/<runId>/<stage>/`. Every writer and reader derives ids and prefixes from this module.
 */

export const RUNS_ROOT = 'runs/';
const MAX_NAME_CHARS = 80;
const RUN_ID_SOURCE = `\\d{8}T\\d{6}Z-[A-Za-z0-9_-]{1,${MAX_NAME_CHARS}}`;

export const RUN_ID_PATTERN = new RegExp(`^${RUN_ID_SOURCE}$`);
export const RunId = z.string().regex(RUN_ID_PATTERN, 'not a run id (YYYYMMDDTHHMMSSZ-name)');

export const isRunId = (value: string): boolean => RUN_ID_PATTERN.test(value);

/** `YYYYMMDDTHHMMSSZ` of an instant (UTC), the sortable head of a run id. */
export function compactTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** The execution name reduced to `[A-Za-z0-9_-]` (Step Functions allows more, S3 keys and SQL text should not). */
export function sanitizeExecutionName(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_NAME_CHARS);
  return cleaned.length > 0 ? cleaned : 'run';
}

/** `<start time>-<sanitized name>`: sorts by start time, so a newer run has the greater id. */
export function makeRunId(executionName: string, startTime: Date): string {
  const runId = `${compactTimestamp(startTime)}-${sanitizeExecutionName(executionName)}`;
  if (!isRunId(runId)) throw new InvalidInputError(`cannot derive a run id from "${executionName}"`);
  return runId;
}

/** The start time and name a run id was made from; undefined for anything that is not a run id. */
export function parseRunId(runId: string): { startTime: Date; name: string } | undefined {
  if (!isRunId(runId)) return undefined;
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(runId) ?? [];
  const startTime = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  if (Number.isNaN(startTime.getTime())) return undefined;
  return { startTime, name: runId.slice(17) };
}

/** Orders run ids by start time (their string order, by construction); newest last. */
export const compareRunIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The folder of each stage's output under `runs/<runId>/`. */
const STAGE_FOLDERS = {
  viewership: 'viewership',
  catalog: 'catalog',
  accounts: 'accounts',
  transformInput: 'transform-input',
  popular: 'popular',
  dataQuality: 'data-quality',
  model: 'model',
  recommendations: 'recommendations',
  fanoutResults: 'fanout-results',
  report: 'report',
  exposures: 'exposures',
} as const;

export type RunStage = keyof typeof STAGE_FOLDERS;
export type RunPrefixes = Record<RunStage, string>;

/** `runs/<runId>/`. */
export const runRoot = (runId: string): string => `${RUNS_ROOT}${runId}/`;

/** Every stage prefix of a run, each ending in `/`. */
export function runPrefixes(runId: string): RunPrefixes {
  const root = runRoot(runId);
  return Object.fromEntries(
    Object.entries(STAGE_FOLDERS).map(([stage, folder]) => [stage, `${root}${folder}/`]),
  ) as RunPrefixes;
}

/** A prefix `runs/<runId>/<stage folder>/` of some run and stage. */
export const RUN_PREFIX_PATTERN = new RegExp(
  `^${RUNS_ROOT}${RUN_ID_SOURCE}/(${Object.values(STAGE_FOLDERS).join('|')})/$`,
);

/** True when `prefix` is the `stage` prefix of some run (what a state's input claims it to be). */
export function isStagePrefix(prefix: string, stage: RunStage): boolean {
  const runId = prefix.slice(RUNS_ROOT.length, prefix.length - STAGE_FOLDERS[stage].length - 2);
  return isRunId(runId) && prefix === runPrefixes(runId)[stage];
}

/**
 * The one rule for what a run's batch transform wrote: an object under its `recommendations/` prefix named
 * `<input object name>.out`. The fan-out and the report's exposures read exactly these.
 */
export const isTransformOutputKey = (runId: string, key: string): boolean =>
  key.startsWith(runPrefixes(runId).recommendations) &&
  key.endsWith('.out') &&
  key.length > runPrefixes(runId).recommendations.length + 4;

/** The report files of a run. */
export const reportKeys = (runId: string) => {
  const report = runPrefixes(runId).report;
  return { json: `${report}report.json`, html: `${report}report.html` };
};

/**
 * The report index: one empty object `runs/report-index/<runId>` per run whose report files are complete, written
 * after them. S3 lists keys in UTF-8 order and run ids sort by start time, so a plain listing of this one prefix
 * returns the reported runs oldest first and the newest is the last key: one request per 1,000 reports, with no
 * Delimiter (which s3rver, the local stand-in, gets wrong for nested keys) and no read-compare-write pointer (a
 * redrive of an older run only rewrites its own entry). Under `runs/`, so the retention rule expires each entry
 * with its run; `report-index` cannot be a run id (those start with a date).
 */
export const REPORT_INDEX_PREFIX = `${RUNS_ROOT}report-index/`;

/** The report index entry of a run. */
export const reportIndexKey = (runId: string): string => `${REPORT_INDEX_PREFIX}${runId}`;

/** The run id of a report index key; undefined for any other key. */
export function runIdOfReportIndexKey(key: string): string | undefined {
  if (!key.startsWith(REPORT_INDEX_PREFIX)) return undefined;
  const runId = key.slice(REPORT_INDEX_PREFIX.length);
  return isRunId(runId) ? runId : undefined;
}
