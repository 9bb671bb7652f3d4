import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeSageMakerClient } from '../_shared/aws.js';
import { lambdaHandler, parseEvent } from '../_shared/lambda-handler.js';
import { logger, metrics } from '../_shared/powertools.js';
import { ensureSageMakerJob, type JobReport, SageMakerJobEvent } from './sagemaker-job.js';

const deps = { sagemaker: makeSageMakerClient(), now: () => new Date() };

/** TrainModel / BatchRecommend: `{kind, jobBaseName, redriveCount, maxWaitSeconds, request}` → the job's status. */
export const handler = lambdaHandler(async (event: unknown): Promise<JobReport> => {
  const input = parseEvent(SageMakerJobEvent, event, 'SageMaker job input');
  logger.appendKeys({ jobBaseName: input.jobBaseName, kind: input.kind, redriveCount: input.redriveCount });
  const report = await ensureSageMakerJob(input, deps);
  logger.info('sagemaker job checked', { ...report, metrics: undefined });
  if (report.action === 'created') metrics.addMetric('SageMakerJobsCreated', MetricUnit.Count, 1);
  if (report.reused && report.action !== 'waiting') metrics.addMetric('SageMakerJobsReused', MetricUnit.Count, 1);
  return report;
});
