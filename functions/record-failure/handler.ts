import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeDynamoDocClient, makeS3Client } from '../_shared/aws.js';
import { loadRecordFailureConfig } from '../_shared/config.js';
import { lambdaHandler, parseEvent } from '../_shared/lambda-handler.js';
import { logger, metrics } from '../_shared/powertools.js';
import { failureRunId, type RecordFailureDeps, RecordFailureEvent, recordFailure } from './record-failure.js';

const config = loadRecordFailureConfig();
const deps: RecordFailureDeps = {
  dynamo: makeDynamoDocClient(),
  s3: makeS3Client(),
  tableName: config.TABLE_NAME,
  now: Date.now,
};

/** RecordFailure: `{executionName, state}` → `{recorded}`; the run record says FAILED with the error. */
export const handler = lambdaHandler(async (event: unknown): Promise<{ recorded: boolean }> => {
  const input = parseEvent(RecordFailureEvent, event, 'RecordFailure input');
  const runId = failureRunId(input);
  logger.appendKeys({ runId, executionName: input.executionName });
  const result = await recordFailure(input, deps);
  logger.error('run failed', { error: input.state.error?.Error });
  metrics.addMetric('RunsFailed', MetricUnit.Count, 1);
  return result;
});
