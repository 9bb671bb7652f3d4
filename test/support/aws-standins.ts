import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamo } from '../../local/standins/dynamodb.js';
import { startS3 } from '../../local/standins/s3.js';
import { createRecommendationsTable } from './tables.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface AwsStandIns {
  s3: S3Client;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  bucket: string;
  tableName: string;
  putText(key: string, text: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * s3rver + dynalite on free loopback ports, a bucket and the recommendations table, and SDK clients
 * pointed at them explicitly (no process.env changes, so test files can run in parallel).
 */
export async function startAwsStandIns(options: { bucket?: string; tableName?: string } = {}): Promise<AwsStandIns> {
  const directory = mkdtempSync(join(tmpdir(), 'recs-s3-'));
  const s3StandIn = await startS3(directory);
  const dynamoStandIn = await startDynamo();
  const bucket = options.bucket ?? 'recs-test';
  const tableName = options.tableName ?? 'recommendations';
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: s3StandIn.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, // s3rver's only built-in account
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const dynamo = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamoStandIn.endpoint, credentials });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await createRecommendationsTable(dynamo, tableName);
  return {
    s3,
    dynamo,
    doc,
    bucket,
    tableName,
    putText: async (key, text) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text }));
    },
    stop: async () => {
      s3.destroy();
      dynamo.destroy();
      await Promise.all([s3StandIn.stop(), dynamoStandIn.stop()]);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
