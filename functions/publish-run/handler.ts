import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeDynamoDocClient, makeS3Client } from '../_shared/aws.js';
import { loadPublishRunConfig } from '../_shared/config.js';
import { lambdaHandler, parseEvent } from '../_shared/lambda-handler.js';
import { logger, metrics } from '../_shared/powertools.js';
import { type PublishResult, type PublishRunDeps, PublishRunEvent, publishRun } from './publish-run.js';

const config = loadPublishRunConfig();
const deps: PublishRunDeps = {
  s3: makeS3Client(),
  dynamo: makeDynamoDocClient(),
  tableName: config.TABLE_NAME,
  ttlDays: config.TTL_DAYS,
  now: Date.now,
  logger,
};

/** Publish: `{run, training, quality, model, fanout}` → `{published, liveRunId, written, skipped, retried}`. */
export const handler = lambdaHandler(async (event: unknown): Promise<PublishResult> => {
  const input = parseEvent(PublishRunEvent, event, 'Publish input');
  logger.appendKeys({ runId: input.run.runId });
  const result = await publishRun(input, deps);
  logger.info(result.published ? 'run published' : 'run superseded by a newer live run', { ...result });
  metrics.addMetric(result.published ? 'RunsPublished' : 'RunsSuperseded', MetricUnit.Count, 1);
  metrics.addMetric('RecommendationsPublished', MetricUnit.Count, result.written);
  return result;
});
