import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeDynamoDocClient } from '../_shared/aws.js';
import { loadQualityGateConfig } from '../_shared/config.js';
import { lambdaHandler, parseEvent } from '../_shared/lambda-handler.js';
import { logger, metrics } from '../_shared/powertools.js';
import { type QualityGateDeps, QualityGateEvent, type QualityVerdict, qualityGate } from './quality-gate.js';

const config = loadQualityGateConfig();
const deps: QualityGateDeps = {
  dynamo: makeDynamoDocClient(),
  tableName: config.TABLE_NAME,
  minLift: config.QUALITY_MIN_LIFT,
  maxDrop: config.QUALITY_MAX_DROP,
};

/** QualityGate: `{runId, metrics}` → `{passed, reason, ndcg, recall, popularityNdcg, liveNdcg}`. */
export const handler = lambdaHandler(async (event: unknown): Promise<QualityVerdict> => {
  const input = parseEvent(QualityGateEvent, event, 'QualityGate input');
  logger.appendKeys({ runId: input.runId });
  const verdict = await qualityGate(input, deps);
  logger.info('quality gate evaluated', { ...verdict });
  metrics.addMetric('ValidationNdcg', MetricUnit.NoUnit, verdict.ndcg);
  metrics.addMetric(verdict.passed ? 'QualityGatePassed' : 'QualityGateFailed', MetricUnit.Count, 1);
  return verdict;
});
