import { createHash } from 'node:crypto';
import { z } from 'zod';
import { RUN_ID_PATTERN } from '../_shared/dynamo-table.js';
import { InvalidInputError } from '../_shared/errors.js';
import { renderUnload } from './unload-sql.js';

export const PrepareRunEvent = z.object({
  executionName: z.string().min(1).max(256),
  executionStartTime: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not an ISO timestamp'),
  input: z.unknown().optional(),
});
export type PrepareRunEvent = z.infer<typeof PrepareRunEvent>;

export interface RunPrefixes {
  viewership: string;
  catalog: string;
  accounts: string;
  transformInput: string;
  popular: string;
  dataQuality: string;
  model: string;
  recommendations: string;
  fanoutResults: string;
  report: string;
}

export interface Run {
  runId: string;
  bucket: string;
  asOf: string;
  jobBaseName: string;
  prefixes: RunPrefixes;
  unloadSqls: string[];
}

export interface UnloadSelects {
  viewership: string;
  catalog: string;
  accounts: string;
  viewers: string;
  popular: string;
  dataQuality: string;
}

export interface PrepareRunDeps {
  bucket: string;
  redshiftIamRoleArn: string;
  /** The stack's KMS key: every UNLOAD part is written SSE-KMS with it. */
  unloadKmsKeyId: string;
  selects: UnloadSelects;
}

const MAX_NAME_CHARS = 80;
export const MAX_JOB_BASE_NAME_CHARS = 48;
const HASH_CHARS = 8;

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
  if (!RUN_ID_PATTERN.test(runId)) throw new InvalidInputError(`cannot derive a run id from "${executionName}"`);
  return runId;
}

/**
 * SageMaker names allow `[A-Za-z0-9-]`, start and end alphanumeric, ≤ 63 chars. The ASL appends
 * `-train-r<RedriveCount>` (≤ 15 chars), so the base stays ≤ 48; a longer one keeps its head and gets
 * a hash of the whole id, so two long names that share a head still differ.
 */
export function makeJobBaseName(runId: string): string {
  const base = runId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  if (base.length <= MAX_JOB_BASE_NAME_CHARS) return base;
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, HASH_CHARS);
  const head = base.slice(0, MAX_JOB_BASE_NAME_CHARS - HASH_CHARS - 1).replace(/-+$/, '');
  return `${head}-${hash}`;
}

/** `input.asOf` when it is a valid ISO date or timestamp, else the execution start time. */
export function resolveAsOf(input: unknown, startTime: Date): Date {
  const asOf = z.object({ asOf: z.string() }).safeParse(input);
  if (
    asOf.success &&
    /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(asOf.data.asOf)
  ) {
    const parsed = new Date(asOf.data.asOf);
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  return startTime;
}

export function makePrefixes(runId: string): RunPrefixes {
  const root = `runs/${runId}/`;
  return {
    viewership: `${root}viewership/`,
    catalog: `${root}catalog/`,
    accounts: `${root}accounts/`,
    transformInput: `${root}transform-input/`,
    popular: `${root}popular/`,
    dataQuality: `${root}data-quality/`,
    model: `${root}model/`,
    recommendations: `${root}recommendations/`,
    fanoutResults: `${root}fanout-results/`,
    report: `${root}report/`,
  };
}

/** Derives everything later states read from `$.run`: ids, names, prefixes and the UNLOAD statements. */
export function prepareRun(event: PrepareRunEvent, deps: PrepareRunDeps): Run {
  const startTime = new Date(event.executionStartTime);
  const runId = makeRunId(event.executionName, startTime);
  const asOf = resolveAsOf(event.input, startTime);
  const prefixes = makePrefixes(runId);
  const targets = [
    ['viewership', prefixes.viewership],
    ['catalog', prefixes.catalog],
    ['accounts', prefixes.accounts],
    ['viewers', prefixes.transformInput],
    ['popular', prefixes.popular],
    ['dataQuality', prefixes.dataQuality],
  ] as const;
  const unloadSqls = targets.map(([channel, prefix]) =>
    renderUnload(deps.selects[channel], { channel, bucket: deps.bucket, prefix }, asOf, {
      iamRoleArn: deps.redshiftIamRoleArn,
      kmsKeyId: deps.unloadKmsKeyId,
    }),
  );
  return {
    runId,
    bucket: deps.bucket,
    asOf: asOf.toISOString(),
    jobBaseName: makeJobBaseName(runId),
    prefixes,
    unloadSqls,
  };
}
