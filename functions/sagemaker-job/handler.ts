import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { lambdaHandler, parseEvent } from '../_shared/lambda-handler.js';
import { logger, metrics } from '../_shared/powertools.js';
import { tracer } from '../_shared/tracer.js';
import { ensureSageMakerJob, type JobReport, SageMakerJobEvent } from './sagemaker-job.js';

// Built here rather than in _shared/aws.ts, so no other function's bundle carries the SageMaker client.
const deps = { sagemaker: tracer.captureAWSv3Client(new SageMakerClient({})), now: () => new Date() };

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
