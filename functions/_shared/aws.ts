import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './tracer.js';

/**
 * SDK clients, built once per process with no endpoint settings: the SDK reads the standard
 * AWS_ENDPOINT_URL_* variables, which is how the local runtime points them at its stand-ins.
 */

// Checksums only where S3 requires them: flexible checksums on streamed uploads are what the
// local stand-in (s3rver) silently corrupts, and S3 itself does not need them for PutObject.
export const makeS3Client = (): S3Client =>
  tracer.captureAWSv3Client(
    new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
  );

export const makeDynamoDocClient = (
  options: { timeoutMs?: number; maxAttempts?: number } = {},
): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(
    tracer.captureAWSv3Client(
      new DynamoDBClient({
        ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
        ...(options.timeoutMs
          ? {
              // throwOnRequestTimeout: without it the SDK only logs a request past requestTimeout.
              requestHandler: {
                requestTimeout: options.timeoutMs,
                connectionTimeout: options.timeoutMs,
                throwOnRequestTimeout: true,
              },
            }
          : {}),
      }),
    ),
    { marshallOptions: { removeUndefinedValues: true } },
  );
