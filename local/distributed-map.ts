import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { evaluateTemplate } from './asl-eval.js';
import type { AslState, Json } from './asl-loader.js';
import { TaskError } from './errors.js';
import { type Progress, silentProgress } from './progress.js';
import { getText, listPage, putObject } from './s3-io.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './serverless-refs.js';

/**
 * Distributed Map, run locally (aws-local-stepfunctions has none): ItemReader, ItemSelector, ItemBatcher,
 * MaxConcurrency, ToleratedFailurePercentage/Count and ResultWriter, with AWS's output and result-file shapes.
 * The ItemProcessor runs as a child execution per batch through `runChild` (a nested interpreter).
 */

export type ChildRun = (input: Json, context: Record<string, unknown>) => Promise<Json>;

export interface BatchRecord {
  index: number;
  status: 'SUCCEEDED' | 'FAILED';
  input: Json;
  output?: Json;
  error?: string;
  cause?: string;
  startDate: string;
  stopDate: string;
}

/** Where a map run keeps its per-child results, so a redrive reruns only the failed children. */
export interface MapRunStore {
  load(mapRunId: string): BatchRecord[] | undefined;
  save(mapRunId: string, records: BatchRecord[]): void;
}

export interface DistributedMapOptions {
  stateName: string;
  state: AslState;
  s3: S3Client;
  runChild: ChildRun;
  /** The parent's context object (`$$`): Execution.{Id,Name,…}, StateMachine.Name. */
  context: Record<string, unknown>;
  store?: MapRunStore;
  /** Reuse SUCCEEDED children recorded in `store` (a redrive). */
  reuseSucceeded?: boolean;
  progress?: Progress;
  /** Upper bound when MaxConcurrency is 0 (AWS's own limit is 10,000 child executions). */
  defaultConcurrency?: number;
  /**
   * What Step Functions does to a STANDARD child execution with the state machine's role, called before it does it
   * (local/iam checks it): `describe` as it starts and tracks each child, `redrive` for a child that failed in the
   * run being redriven, `stop` for children still running when the tolerated failure threshold is exceeded.
   * A rejection fails the Map state.
   */
  controlChild?: (action: ChildControl, childExecutionArn: string) => Promise<void>;
}

export type ChildControl = 'describe' | 'redrive' | 'stop';

/** A child execution's ARN: `execution:<state machine>/<Map state>:<map run id>-<index>`, as the ResultWriter names it. */
export const childExecutionArn = (machineName: string, stateName: string, runId: string, index: number): string =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:execution:${machineName}/${stateName}:${runId}-${index}`;

const isObject = (value: unknown): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

async function numberField(state: AslState, key: string, input: Json, fallback: number): Promise<number> {
  const direct = state[key];
  if (typeof direct === 'number') return direct;
  const path = state[`${key}Path`];
  if (typeof path === 'string') {
    const value = await evaluateTemplate({ 'v.$': path }, input);
    return Number((value as { v: unknown }).v);
  }
  return fallback;
}

/** Deterministic per execution and state, so a redrive continues the same map run (as AWS keeps its MapRunArn). */
export function mapRunId(executionId: string, stateName: string): string {
  const hex = createHash('sha256').update(`${executionId}\u0000${stateName}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Reads the items as ItemReader (or ItemsPath) defines them. */
export async function readItems(
  state: AslState,
  input: Json,
  s3: S3Client,
  context: Record<string, unknown>,
): Promise<Json[]> {
  const reader = state.ItemReader;
  if (!isObject(reader)) {
    const path = typeof state.ItemsPath === 'string' ? state.ItemsPath : '$';
    const value = (await evaluateTemplate({ 'v.$': path }, input, context)) as { v: Json };
    if (!Array.isArray(value.v)) throw new TaskError('States.Runtime', `ItemsPath ${path} is not an array`);
    return value.v;
  }
  const resource = String(reader.Resource ?? '');
  const params = (await evaluateTemplate((reader.Parameters ?? {}) as Json, input, context)) as Record<string, Json>;
  const config = isObject(reader.ReaderConfig) ? reader.ReaderConfig : {};
  const maxItems = typeof config.MaxItems === 'number' ? config.MaxItems : Number.POSITIVE_INFINITY;
  const bucket = String(params.Bucket ?? '');
  const items: Json[] = [];
  if (/:s3:listObjectsV2$/.test(resource)) {
    let token: string | undefined;
    do {
      const page = await listPage(s3, bucket, String(params.Prefix ?? ''), token);
      for (const object of page.objects) {
        // Step Functions passes the listing entries with these keys (Etag spelled so).
        items.push({
          Etag: object.ETag ?? '',
          Key: object.Key,
          LastModified: object.LastModified ?? '',
          Size: object.Size,
          StorageClass: object.StorageClass ?? 'STANDARD',
        });
      }
      token = page.next;
    } while (token && items.length < maxItems);
  } else if (/:s3:getObject$/.test(resource)) {
    const text = await getText(s3, bucket, String(params.Key ?? ''));
    const type = String(config.InputType ?? 'JSON');
    if (type === 'JSON') items.push(...(JSON.parse(text) as Json[]));
    else if (type === 'JSONL')
      items.push(
        ...text
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as Json),
      );
    else if (type === 'CSV') {
      const [header = '', ...rows] = text.split(/\r?\n/).filter((l) => l.length > 0);
      const columns = header.split(',');
      for (const row of rows) {
        const cells = row.split(',');
        items.push(Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ''])));
      }
    } else throw new TaskError('States.Runtime', `ItemReader InputType ${type} is not supported locally`);
  } else {
    throw new TaskError('States.Runtime', `ItemReader resource ${resource} is not supported locally`);
  }
  return items.slice(0, maxItems);
}

/** Groups items as ItemBatcher does: at most MaxItemsPerBatch items and MaxInputBytesPerBatch bytes per batch. */
export function batchItems(items: readonly Json[], maxItems: number, maxBytes: number, batchInput?: Json): Json[] {
  const batches: Json[] = [];
  const overhead = Buffer.byteLength(
    JSON.stringify({ Items: [], ...(batchInput !== undefined ? { BatchInput: batchInput } : {}) }),
  );
  let current: Json[] = [];
  let bytes = overhead;
  const flush = () => {
    if (current.length === 0) return;
    batches.push(batchInput !== undefined ? { Items: current, BatchInput: batchInput } : { Items: current });
    current = [];
    bytes = overhead;
  };
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (current.length >= maxItems || (current.length > 0 && bytes + size > maxBytes)) flush();
    current.push(item);
    bytes += size;
  }
  flush();
  return batches;
}

/** Runs a Distributed Map state on its (InputPath-processed) input; returns what the Map state would output. */
export async function runDistributedMap(input: Json, options: DistributedMapOptions): Promise<Json> {
  const { state, stateName, context } = options;
  const progress = options.progress ?? silentProgress;
  const execution = (context.Execution ?? {}) as Record<string, string>;
  const machineName = String((context.StateMachine as Record<string, unknown> | undefined)?.Name ?? 'local');
  const runId = mapRunId(String(execution.Id ?? execution.Name ?? 'local'), stateName);
  const mapRunArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:mapRun:${machineName}/${stateName}:${runId}`;

  const rawItems = await readItems(state, input, options.s3, context);
  const selector = (state.ItemSelector ?? state.Parameters) as Json | undefined;
  const items: Json[] = [];
  for (const [index, value] of rawItems.entries()) {
    items.push(
      selector === undefined
        ? value
        : await evaluateTemplate(selector, input, { ...context, Map: { Item: { Index: index, Value: value } } }),
    );
  }

  let children: Json[];
  let itemsPerChild: number[];
  const batcher = isObject(state.ItemBatcher) ? (state.ItemBatcher as AslState) : undefined;
  if (batcher) {
    const maxItems = await numberField(batcher, 'MaxItemsPerBatch', input, Number.POSITIVE_INFINITY);
    const maxBytes = await numberField(batcher, 'MaxInputBytesPerBatch', input, 256 * 1024);
    const batchInput =
      batcher.BatchInput !== undefined ? await evaluateTemplate(batcher.BatchInput as Json, input, context) : undefined;
    children = batchItems(items, maxItems, maxBytes, batchInput);
    itemsPerChild = children.map((child) => ((child as { Items: Json[] }).Items ?? []).length);
  } else {
    children = items;
    itemsPerChild = items.map(() => 1);
  }

  const concurrencySetting = await numberField(state, 'MaxConcurrency', input, 0);
  const concurrency = Math.max(1, concurrencySetting > 0 ? concurrencySetting : (options.defaultConcurrency ?? 1000));
  const toleratedPercentage = await numberField(state, 'ToleratedFailurePercentage', input, 0);
  const toleratedCount = await numberField(state, 'ToleratedFailureCount', input, 0);
  const hasPercentage =
    state.ToleratedFailurePercentage !== undefined || state.ToleratedFailurePercentagePath !== undefined;
  const hasCount = state.ToleratedFailureCount !== undefined || state.ToleratedFailureCountPath !== undefined;
  const totalItems = itemsPerChild.reduce((a, b) => a + b, 0);
  const exceeds = (failedItems: number): boolean => {
    if (failedItems === 0) return false;
    if (!hasPercentage && !hasCount) return true;
    const overPercentage = hasPercentage && (failedItems / Math.max(1, totalItems)) * 100 > toleratedPercentage;
    const overCount = hasCount && failedItems > toleratedCount;
    return hasPercentage && hasCount ? overPercentage && overCount : overPercentage || overCount;
  };

  const previous = options.reuseSucceeded ? (options.store?.load(runId) ?? []) : [];
  const records: (BatchRecord | undefined)[] = children.map((_, index) =>
    previous.find((record) => record.index === index && record.status === 'SUCCEEDED'),
  );
  const failedBefore = new Set(previous.filter((record) => record.status === 'FAILED').map((record) => record.index));
  const childArn = (index: number) => childExecutionArn(machineName, stateName, runId, index);
  const running = new Set<number>();
  let failedItems = 0;
  let exceeded = false;
  let next = 0;
  let finished = records.filter(Boolean).length;

  const worker = async () => {
    while (!exceeded && next < children.length) {
      const index = next++;
      if (records[index]) continue;
      await options.controlChild?.(failedBefore.has(index) ? 'redrive' : 'describe', childArn(index));
      const childInput = children[index] as Json;
      const startDate = new Date().toISOString();
      const childContext = {
        ...context,
        Execution: {
          ...execution,
          // The child is an execution of its own: `$$.Execution.Id` is the ARN that the ResultWriter lists and that
          // IAM checks DescribeExecution/StopExecution/RedriveExecution against, not an id derived from the map run.
          Name: `${runId}-${index}`,
          Id: childArn(index),
          Input: childInput,
          StartTime: startDate,
        },
      };
      running.add(index);
      try {
        const output = await options.runChild(childInput, childContext);
        records[index] = {
          index,
          status: 'SUCCEEDED',
          input: childInput,
          output,
          startDate,
          stopDate: new Date().toISOString(),
        };
      } catch (error) {
        const failure = ((error as Error).cause ?? error) as Error;
        records[index] = {
          index,
          status: 'FAILED',
          input: childInput,
          error: failure.name,
          cause: failure.message,
          startDate,
          stopDate: new Date().toISOString(),
        };
        failedItems += itemsPerChild[index] ?? 1;
        if (!exceeded && exceeds(failedItems)) {
          exceeded = true;
          // The Map Run fails: Step Functions stops the children still running.
          for (const other of running) if (other !== index) await options.controlChild?.('stop', childArn(other));
        }
      } finally {
        running.delete(index);
      }
      finished++;
      progress.update(
        stateName,
        children.length ? finished / children.length : 1,
        `${finished}/${children.length} batches`,
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, children.length)) }, worker));
  } finally {
    progress.done();
  }
  const done = records.filter((record): record is BatchRecord => record !== undefined);
  options.store?.save(runId, done);

  const writer = isObject(state.ResultWriter) ? state.ResultWriter : undefined;
  let output: Json;
  if (writer) {
    const params = (await evaluateTemplate((writer.Parameters ?? {}) as Json, input, context)) as Record<string, Json>;
    const bucket = String(params.Bucket ?? '');
    const base = `${String(params.Prefix ?? '').replace(/\/+$/, '')}/${runId}`.replace(/^\//, '');
    const key = await writeResults(options.s3, bucket, base, mapRunArn, machineName, stateName, done);
    output = { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: key } };
  } else {
    output = done.map((record) => record.output ?? null);
  }

  if (exceeded || exceeds(failedItems)) {
    throw new TaskError(
      'States.ExceedToleratedFailureThreshold',
      `The specified tolerated failure threshold was exceeded (${failedItems} of ${totalItems} items failed) in map run ${mapRunArn}`,
    );
  }
  return output;
}

/** ResultWriter's files: `<prefix>/<map run id>/SUCCEEDED_0.json`, `FAILED_0.json`, `manifest.json`. */
async function writeResults(
  s3: S3Client,
  bucket: string,
  base: string,
  mapRunArn: string,
  machineName: string,
  stateName: string,
  records: readonly BatchRecord[],
): Promise<string> {
  const runId = String(mapRunArn.split(':').at(-1));
  const entry = (record: BatchRecord) => ({
    ExecutionArn: childExecutionArn(machineName, stateName, runId, record.index),
    Input: JSON.stringify(record.input),
    InputDetails: { Included: true },
    Name: `${runId}-${record.index}`,
    ...(record.status === 'SUCCEEDED'
      ? { Output: JSON.stringify(record.output ?? null), OutputDetails: { Included: true } }
      : { Error: record.error ?? '', Cause: record.cause ?? '' }),
    RedriveCount: 0,
    RedriveStatus: record.status === 'SUCCEEDED' ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
    RedriveStatusReason:
      record.status === 'SUCCEEDED'
        ? 'Execution is SUCCEEDED and cannot be redriven'
        : 'Execution is FAILED and can be redriven',
    StartDate: record.startDate,
    StateMachineArn: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${machineName}/${stateName}`,
    Status: record.status,
    StopDate: record.stopDate,
  });
  const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const selected = records.filter((record) => record.status === status);
    if (selected.length === 0) continue;
    const key = `${base}/${status}_0.json`;
    const body = JSON.stringify(selected.map(entry));
    await putObject(s3, bucket, key, body);
    files[status].push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${base}/manifest.json`;
  await putObject(
    s3,
    bucket,
    manifestKey,
    JSON.stringify({ DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: files }),
  );
  return manifestKey;
}
