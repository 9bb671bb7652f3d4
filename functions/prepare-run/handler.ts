import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { loadPrepareRunConfig } from '../_shared/config.js';
import { lambdaHandler, parseEvent } from '../_shared/lambda-handler.js';
import { logger, metrics } from '../_shared/powertools.js';
import { type PrepareRunDeps, PrepareRunEvent, prepareRun, type Run } from './prepare-run.js';
import { UNLOAD_SELECTS } from './unload-sql.generated.js';

const config = loadPrepareRunConfig();
const deps: PrepareRunDeps = {
  bucket: config.BUCKET_NAME,
  redshiftIamRoleArn: config.REDSHIFT_IAM_ROLE_ARN,
  unloadKmsKeyId: config.UNLOAD_KMS_KEY_ID,
  selects: UNLOAD_SELECTS,
};

/** PrepareRun: `{executionName, executionStartTime, input}` → the run object later states read as `$.run`. */
export const handler = lambdaHandler(async (event: unknown): Promise<Run> => {
  const run = prepareRun(parseEvent(PrepareRunEvent, event, 'PrepareRun input'), deps);
  logger.appendKeys({ runId: run.runId });
  logger.info('run prepared', { asOf: run.asOf, jobBaseName: run.jobBaseName });
  metrics.addMetric('RunsPrepared', MetricUnit.Count, 1);
  return run;
});
