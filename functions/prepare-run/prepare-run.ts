import { createHash } from 'node:crypto';
import { z } from 'zod';
import { makeRunId, type RunPrefixes, runPrefixes } from '../_shared/run-layout.js';
import { renderUnload } from './unload-sql.js';

export const PrepareRunEvent = z.object({
  executionName: z.string().min(1).max(256),
  executionStartTime: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not an ISO timestamp'),
  input: z.unknown().optional(),
});
export type PrepareRunEvent = z.infer<typeof PrepareRunEvent>;

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

export const MAX_JOB_BASE_NAME_CHARS = 48;
const HASH_CHARS = 8;

/**
 * SageMaker names allow `[A-Za-z0-9-]`, start and end alphanumeric, ≤ 63 chars. The sageMakerJob Lambda
 * appends `-<train|recs>-r<RedriveCount>` and the ASL `-model-r<RedriveCount>` (≤ 15 chars), so the base stays ≤ 48; a longer one keeps its head and gets
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

/** Derives everything later states read from `$.run`: ids, names, prefixes and the UNLOAD statements. */
export function prepareRun(event: PrepareRunEvent, deps: PrepareRunDeps): Run {
  const startTime = new Date(event.executionStartTime);
  const runId = makeRunId(event.executionName, startTime);
  const asOf = resolveAsOf(event.input, startTime);
  const prefixes = runPrefixes(runId);
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
