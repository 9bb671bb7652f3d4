import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureRecommendationsTable } from '../../local/tables.js';

/** Creates the `recommendations` table (viewerId HASH, runId RANGE) in the stand-in, as the local runtime does. */
export async function createRecommendationsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await ensureRecommendationsTable(client, tableName);
}
