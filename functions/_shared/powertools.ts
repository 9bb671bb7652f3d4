import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

// One logger and one metrics instance per process, named once here (Powertools' "commons" pattern).
export const SERVICE_NAME = 'show-recs';
export const METRICS_NAMESPACE = 'ShowRecs';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE });
