import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { RecsError, ThrottledError } from '../_shared/errors.js';

/** One result row, keyed by column name; values as the driver returns them (numbers may arrive as strings). */
export type SqlRow = Record<string, unknown>;

/** Runs one SQL statement with Data API style named parameters (`:run_id`) and returns its rows. */
export interface SqlRunner {
  run(sql: string, params: Readonly<Record<string, string>>): Promise<SqlRow[]>;
}

/** The report's SQL failed in the warehouse (bad statement, aborted query, missing table). */
export class ReportQueryError extends RecsError {
  override name = 'ReportQueryError';
}

export interface RedshiftTarget {
  workgroupName: string;
  database: string;
  secretArn?: string;
}

export interface RedshiftRunnerDeps {
  client: Pick<RedshiftDataClient, 'send'>;
  sleep: (ms: number) => Promise<void>;
  pollMs?: number;
  /** Gives up polling after this long; the Lambda timeout is the hard limit. */
  maxWaitMs?: number;
}

const fieldValue = (field: Field): unknown => {
  if (field.isNull) return null;
  return field.stringValue ?? field.longValue ?? field.doubleValue ?? field.booleanValue ?? null;
};

/**
 * Polls DescribeStatement until the statement (or batch) finished; throws on FAILED/ABORTED or after maxWaitMs.
 * The first polls come quickly (100 ms, doubling up to pollMs): most report statements finish in well under a
 * second, and a fixed 1 s poll would add that second to each of them.
 */
async function waitForStatement(id: string, what: string, deps: RedshiftRunnerDeps): Promise<void> {
  const pollMs = deps.pollMs ?? 1000;
  const maxWaitMs = deps.maxWaitMs ?? 240_000;
  let intervalMs = Math.min(FIRST_POLL_MS, pollMs);
  for (let waitedMs = 0; ; ) {
    const status = await send(() => deps.client.send(new DescribeStatementCommand({ Id: id })));
    if (status.Status === 'FINISHED') return;
    if (status.Status === 'FAILED' || status.Status === 'ABORTED') {
      throw new ReportQueryError(`${what} ${status.Status.toLowerCase()}: ${status.Error ?? 'no error text'}`);
    }
    if (waitedMs >= maxWaitMs) throw new ReportQueryError(`${what} still ${status.Status} after ${waitedMs} ms`);
    await deps.sleep(intervalMs);
    waitedMs += intervalMs;
    intervalMs = Math.min(intervalMs * 2, pollMs);
  }
}

const FIRST_POLL_MS = 100;

/** Backs the report with Redshift through the Data API: ExecuteStatement, poll DescribeStatement, page the result. */
export function redshiftSqlRunner(target: RedshiftTarget, deps: RedshiftRunnerDeps): SqlRunner {
  return {
    async run(sql, params) {
      const started = await send(() =>
        deps.client.send(
          new ExecuteStatementCommand({
            WorkgroupName: target.workgroupName,
            Database: target.database,
            ...(target.secretArn ? { SecretArn: target.secretArn } : {}),
            Sql: sql,
            Parameters: Object.entries(params).map(([name, value]) => ({ name, value })),
          }),
        ),
      );
      const id = started.Id as string;
      await waitForStatement(id, 'report query', deps);
      const rows: SqlRow[] = [];
      let nextToken: string | undefined;
      do {
        const page = await send(() =>
          deps.client.send(new GetStatementResultCommand({ Id: id, ...(nextToken ? { NextToken: nextToken } : {}) })),
        );
        const names = (page.ColumnMetadata ?? []).map((column) => column.name ?? column.label ?? '');
        for (const record of page.Records ?? []) {
          rows.push(Object.fromEntries(record.map((field, i) => [names[i], fieldValue(field)])));
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return rows;
    },
  };
}

/**
 * Runs statements without parameters or results as one Data API BatchExecuteStatement, which Redshift runs as
 * one transaction (the exposures' DELETE + COPY), and waits for it.
 */
export async function runRedshiftBatch(
  target: RedshiftTarget,
  sqls: readonly string[],
  deps: RedshiftRunnerDeps,
  what = 'batch',
): Promise<void> {
  const started = await send(() =>
    deps.client.send(
      new BatchExecuteStatementCommand({
        WorkgroupName: target.workgroupName,
        Database: target.database,
        ...(target.secretArn ? { SecretArn: target.secretArn } : {}),
        Sqls: [...sqls],
      }),
    ),
  );
  await waitForStatement(started.Id as string, what, deps);
}

// The Data API's own throttling surfaces as ThrottlingException; the state machine retries ThrottledError.
async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (name === 'ThrottlingException' || name === 'ActiveStatementsExceededException') {
      throw new ThrottledError(`Redshift Data API throttled: ${name}`, { cause: error });
    }
    if (error instanceof ReportQueryError) throw error;
    throw new ReportQueryError(`Redshift Data API call failed: ${(error as Error).message}`, { cause: error });
  }
}
