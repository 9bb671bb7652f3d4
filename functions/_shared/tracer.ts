import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from './powertools.js';

/**
 * X-Ray tracing for the pipeline Lambdas: SDK calls become subsegments. Powertools disables itself outside
 * Lambda (and under the local runtime), so nothing here knows which runtime it is in. The offers handler
 * does not import this: the X-Ray SDK would roughly double its cold start, and Lambda's active tracing
 * already records each invocation.
 */
export const tracer = new Tracer({ serviceName: SERVICE_NAME });
