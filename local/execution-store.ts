import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Json } from './asl-loader.js';
import { dataPaths, noLocalRunYet } from './data-dir.js';
import type { BatchRecord, MapRunStore } from './distributed-map.js';
import { ExecutionNotRedrivableError, LocalSetupError } from './errors.js';
import { lastInputOf } from './event-log.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './serverless-refs.js';

/**
 * The execution store: one folder per execution under `<data-dir>/executions/<name>/` with `execution.json`
 * (the record below), `history.jsonl` (local/event-log.ts) and `map-runs/` (Distributed Map batch results),
 * so `recs executions` and `recs redrive` work from a later process.
 */

export const STATE_MACHINE_NAME = 'show-recs-local-pipeline';

export interface ExecutionRecord {
  executionName: string;
  executionArn: string;
  /** UNREADABLE: execution.json exists but cannot be parsed; `error` says why (listed, never hidden). */
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'UNREADABLE';
  input: Json;
  startTime: string;
  stopTime?: string;
  redriveCount: number;
  /** When the last redrive started. */
  redriveDate?: string;
  failedState?: string;
  /** The failure was a Task error (a redrive can restart that Task), not a decision such as ModelRejected. */
  redrivable?: boolean;
  error?: { Error: string; Cause: string };
  output?: Json;
  runId?: string;
}

export const executionArn = (name: string) =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:execution:${STATE_MACHINE_NAME}:${name}`;

export function defaultExecutionName(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `local-${stamp}-${randomBytes(2).toString('hex')}`;
}

const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** Refuses a name StartExecution would refuse, before anything starts. */
export function assertExecutionName(executionName: string): void {
  if (!EXECUTION_NAME.test(executionName)) {
    throw new LocalSetupError(`execution name "${executionName}" must be 1–80 characters of A-Z a-z 0-9 _ -`);
  }
}

export const executionDirOf = (dataDir: string, executionName: string) =>
  join(dataPaths(resolve(dataDir)).executions, executionName);

export function saveExecutionRecord(executionDir: string, record: ExecutionRecord): void {
  writeFileSync(join(executionDir, 'execution.json'), `${JSON.stringify(record, null, 2)}\n`);
}

/** Every execution recorded in the data dir, oldest first. */
export function listExecutions(dataDir: string): ExecutionRecord[] {
  const dir = dataPaths(resolve(dataDir)).executions;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => readExecutionRecord(dataDir, name))
    .filter((record): record is ExecutionRecord => record !== undefined)
    .sort((a, b) => a.startTime.localeCompare(b.startTime) || a.executionName.localeCompare(b.executionName));
}

export function readExecutionRecord(dataDir: string, executionName: string): ExecutionRecord | undefined {
  if (!EXECUTION_NAME.test(executionName)) return undefined;
  const path = join(executionDirOf(dataDir, executionName), 'execution.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ExecutionRecord;
  } catch (error) {
    // A corrupt record (a process killed mid-write, a hand edit) still names its execution, so it is listed.
    return {
      executionName,
      executionArn: executionArn(executionName),
      status: 'UNREADABLE',
      input: null,
      startTime: '',
      redriveCount: 0,
      error: { Error: 'UnreadableExecutionRecord', Cause: `${path}: ${(error as Error).message}` },
    };
  }
}

/**
 * Where a redrive resumes: the Task (or Distributed Map) whose error ended the execution, with the input it
 * last entered with, as RedriveExecution restarts the unsuccessful step.
 */
export function redrivePoint(
  dataDir: string,
  executionName: string,
): { record: ExecutionRecord; failedState: string; input: Json } {
  const record = readExecutionRecord(dataDir, executionName);
  if (!record) {
    throw new ExecutionNotRedrivableError(
      existsSync(dataPaths(dataDir).executions)
        ? `no execution named "${executionName}" in ${dataDir}: \`recs executions\` lists them`
        : noLocalRunYet(dataDir),
    );
  }
  if (record.status !== 'FAILED') {
    throw new ExecutionNotRedrivableError(
      `execution ${executionName} is ${record.status}${record.error && record.status === 'UNREADABLE' ? ` (${record.error.Cause})` : ''}; only a FAILED execution can be redriven`,
    );
  }
  const failedState = record.failedState;
  const input = failedState
    ? lastInputOf(join(executionDirOf(dataDir, executionName), 'history.jsonl'), failedState)
    : undefined;
  if (!failedState || input === undefined || !record.redrivable) {
    throw new ExecutionNotRedrivableError(
      `execution ${executionName} failed at ${failedState ?? 'an unknown state'} by decision (${record.error?.Error ?? 'no error'}), not by a Task error; fix the cause and start a new execution`,
    );
  }
  return { record, failedState, input };
}

export function fileMapRunStore(dir: string): MapRunStore {
  return {
    load: (id) => {
      const path = join(dir, `${id}.json`);
      return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as BatchRecord[]) : undefined;
    },
    save: (id, records) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${id}.json`), JSON.stringify(records));
    },
  };
}
