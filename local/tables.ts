import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/**
 * Creates the `recommendations` table as serverless.yml declares it (docs/contracts.md): `viewerId` HASH,
 * `runId` RANGE, on-demand, TTL on `ttl`. Safe to call when the table already exists.
 */
export async function ensureRecommendationsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'viewerId', AttributeType: 'S' },
          { AttributeName: 'runId', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'viewerId', KeyType: 'HASH' },
          { AttributeName: 'runId', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      }),
    );
  } catch {
    // dynalite does not implement UpdateTimeToLive, and AWS refuses a second identical call; the table works either way.
  }
}
