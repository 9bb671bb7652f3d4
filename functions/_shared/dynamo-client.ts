import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * A low-level DynamoDB client for bulk writers: one keep-alive connection pool sized for the requests
 * kept in flight, and SDK retries off (`maxAttempts: 1`) so the caller's own backoff, bounded by its
 * time budget, is the only retry policy (nested SDK retries would spend the budget invisibly). No
 * endpoint settings: the SDK reads AWS_ENDPOINT_URL_DYNAMODB, which is how the local runtime redirects it.
 */
export function makeBulkDynamoClient(options: { maxSockets: number; requestTimeoutMs?: number }): DynamoDBClient {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
  return new DynamoDBClient({
    maxAttempts: 1,
    requestHandler: {
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      // Without it the SDK only logs a request past requestTimeout and keeps waiting.
      throwOnRequestTimeout: true,
      connectionTimeout: 3_000,
    },
  });
}
