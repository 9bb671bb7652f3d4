import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeDynamoDocClient, makeS3Client } from '../_shared/aws.js';
import { loadRecordFailureConfig } from '../_shared/config.js';
import { lambdaHandler, parseEvent } from '../_shared/lambda-handler.js';
import { logger, metrics } from '../_shared/powertools.js';
import { failureRunId, type RecordFailureDeps, recordFailure } from './record-failure.js';
import { ExecutionStatusChange, failureFromStatusChange } from './status-change.js';

const config = loadRecordFailureConfig();
const deps: RecordFailureDeps = {
  dynamo: makeDynamoDocClient(),
  s3: makeS3Client(),
  tableName: config.TABLE_NAME,
  now: Date.now,
  onBadRowsUnreadable: (error) =>
    logger.warn('data-quality counts unreadable; recording the failure without them', {
      errorName: error instanceof Error ? error.name : typeof error,
      errorMessage: error instanceof Error ? error.message : String(error),
    }),
};

/**
 * RecordFailure: EventBridge's execution status change (FAILED, TIMED_OUT, ABORTED) → `{recorded}`;
 * the run record says FAILED with the error.
 */
export const handler = lambdaHandler(async (event: unknown): Promise<{ recorded: boolean }> => {
  const change = parseEvent(ExecutionStatusChange, event, 'execution status change');
  const input = failureFromStatusChange(change, config.BUCKET_NAME);
  const runId = failureRunId(input);
  logger.appendKeys({ runId, executionName: input.executionName });
  const result = await recordFailure(input, deps);
  logger.error('run failed', { error: input.state.error?.Error, status: change.detail.status });
  metrics.addMetric('RunsFailed', MetricUnit.Count, 1);
  return result;
});
