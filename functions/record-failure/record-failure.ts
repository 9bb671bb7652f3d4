import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type BadRows, readBadRows } from '../_shared/data-quality.js';
import { runRecordKey } from '../_shared/dynamo-table.js';
import { RecsError } from '../_shared/errors.js';
import { isRunId, isStagePrefix } from '../_shared/run-layout.js';

/**
 * RecordFailure: marks the run record FAILED with the execution's error. The EventBridge rule on the
 * execution's status change delivers it after the run ended (status-change.ts). It never touches `#live` or any
 * viewer list, so the lists of the last good run keep being served. A run that failed before PrepareRun has no
 * `$.run`; then the record is keyed by the execution name instead of a run id.
 */

export const RecordFailureEvent = z.object({
  executionName: z.string().min(1),
  state: z
    .looseObject({
      // Loose on purpose: recording a failure must not fail on the state it is recording.
      run: z
        .looseObject({
          runId: z.string().optional(),
          bucket: z.string().optional(),
          prefixes: z.looseObject({ dataQuality: z.string().optional() }).optional(),
        })
        .optional(),
      error: z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
    })
    .default({}),
});
export type RecordFailureEvent = z.infer<typeof RecordFailureEvent>;

export interface RecordFailureDeps {
  dynamo: Pick<DynamoDBDocumentClient, 'send'>;
  /** Reads the run's data-quality counts when the UNLOAD wrote them; without it the record has no badRows. */
  s3?: Pick<S3Client, 'send'>;
  tableName: string;
  now: () => number;
  /** Told when the data-quality counts could not be read (the record is written without them). */
  onBadRowsUnreadable?: (error: unknown) => void;
}

// A Cause can be a whole stack trace or SageMaker's FailureReason; the record keeps the useful head.
const MAX_CAUSE_CHARS = 4_000;

/** The record's sort key: the run id, or `unprepared-<execution name>` when PrepareRun never ran. */
export function failureRunId(event: RecordFailureEvent): string {
  const runId = event.state.run?.runId;
  if (runId !== undefined && isRunId(runId)) return runId;
  return `unprepared-${event.executionName.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 80)}`;
}

/** The data-quality counts of a run that got as far as its UNLOAD; a read problem never blocks the record. */
async function failureBadRows(event: RecordFailureEvent, deps: RecordFailureDeps): Promise<BadRows | undefined> {
  const run = event.state.run;
  const prefix = run?.prefixes?.dataQuality;
  if (!deps.s3 || !run?.bucket || !prefix || !isStagePrefix(prefix, 'dataQuality')) return undefined;
  return readBadRows(deps.s3, run.bucket, prefix).catch((error: unknown) => {
    deps.onBadRowsUnreadable?.(error);
    return undefined;
  });
}

/** Writes `status: FAILED` and the error; a run already PUBLISHED keeps its status and gets `lastError`. */
export async function recordFailure(
  event: RecordFailureEvent,
  deps: RecordFailureDeps,
): Promise<{ recorded: boolean }> {
  const runId = failureRunId(event);
  const error = {
    Error: event.state.error?.Error ?? 'Unknown',
    Cause: (event.state.error?.Cause ?? '').slice(0, MAX_CAUSE_CHARS),
  };
  const values = { ':error': error, ':at': new Date(deps.now()).toISOString(), ':execution': event.executionName };
  const badRows = await failureBadRows(event, deps);
  try {
    await deps.dynamo.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: runRecordKey(runId),
        UpdateExpression: `SET #status = :failed, published = :false, #error = :error, failedAt = :at, executionName = :execution, updatedAt = :at${badRows ? ', badRows = :badRows' : ''}`,
        // Publish is the last step that can fail the run; if it moved the pointer before failing, the
        // run *is* live, and calling it FAILED would send operators after the wrong thing.
        ConditionExpression: 'attribute_not_exists(#status) OR #status <> :published',
        ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
        ExpressionAttributeValues: {
          ...values,
          ':failed': 'FAILED',
          ':false': false,
          ':published': 'PUBLISHED',
          ...(badRows ? { ':badRows': badRows } : {}),
        },
      }),
    );
  } catch (caught) {
    if (
      !(
        caught instanceof ConditionalCheckFailedException ||
        (caught as Error).name === 'ConditionalCheckFailedException'
      )
    ) {
      throw new RecsError(`cannot record the failure of ${runId}: ${(caught as Error).message}`, { cause: caught });
    }
    await deps.dynamo.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: runRecordKey(runId),
        UpdateExpression: 'SET lastError = :error, lastErrorAt = :at, executionName = :execution',
        ExpressionAttributeValues: values,
      }),
    );
  }
  return { recorded: true };
}
