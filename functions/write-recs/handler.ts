import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeS3Client } from '../_shared/aws.js';
import { loadWriteRecsConfig } from '../_shared/config.js';
import { makeBulkDynamoClient } from '../_shared/dynamo-client.js';
import { lambdaHandler, parseEvent } from '../_shared/lambda-handler.js';
import { logger, metrics } from '../_shared/powertools.js';
import { type WriteRecsDeps, WriteRecsEvent, type WriteRecsResult, writeRecs } from './write-recs.js';

// The local runtime invokes handlers without a Lambda context; then the budget is the Lambda maximum.
const MAX_LAMBDA_TIMEOUT_MS = 900_000;

const config = loadWriteRecsConfig();
const s3 = makeS3Client();
const dynamo = makeBulkDynamoClient({ maxSockets: config.WRITE_CONCURRENCY });

/** WriteTopTen child: one Distributed Map batch → `{written, skipped, retried, objects}`. */
export const handler = lambdaHandler(async (event: unknown, context): Promise<WriteRecsResult> => {
  const input = parseEvent(WriteRecsEvent, event, 'WriteRecs input');
  logger.appendKeys({ runId: input.BatchInput.runId });
  const remainingMs = context?.getRemainingTimeInMillis() ?? MAX_LAMBDA_TIMEOUT_MS;
  const deps: WriteRecsDeps = {
    s3,
    dynamo,
    tableName: config.TABLE_NAME,
    ttlDays: config.TTL_DAYS,
    concurrency: config.WRITE_CONCURRENCY,
    deadlineMs: Date.now() + remainingMs - config.WRITE_SAFETY_MARGIN_MS,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    logger,
  };
  const result = await writeRecs(input, deps);
  metrics.addMetric('RecommendationsWritten', MetricUnit.Count, result.written);
  metrics.addMetric('TransformLinesSkipped', MetricUnit.Count, result.skipped);
  metrics.addMetric('WritesRetried', MetricUnit.Count, result.retried);
  return result;
});
