import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { scopedCredentials } from './iam/scoped-env.js';
import { LOCAL_REGION } from './serverless-refs.js';

/**
 * An S3 client for the local stand-in. It signs as the principal the current scope acts as (local/iam), else as
 * the operator. Checksums only when required: s3rver corrupts streamed flexible checksums.
 */
export function makeLocalS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    forcePathStyle: true,
    credentials: scopedCredentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface S3ObjectSummary {
  Key: string;
  Size: number;
  ETag?: string;
  LastModified?: string;
  StorageClass?: string;
}

/** One page of ListObjectsV2, in the shape Step Functions hands to a Distributed Map. */
export async function listPage(
  s3: S3Client,
  bucket: string,
  prefix: string,
  continuationToken?: string,
): Promise<{ objects: S3ObjectSummary[]; next?: string }> {
  const page: ListObjectsV2CommandOutput = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }),
  );
  const objects = (page.Contents ?? []).map((object) => ({
    Key: object.Key ?? '',
    Size: object.Size ?? 0,
    ...(object.ETag ? { ETag: object.ETag } : {}),
    ...(object.LastModified ? { LastModified: object.LastModified.toISOString() } : {}),
    ...(object.StorageClass ? { StorageClass: object.StorageClass } : {}),
  }));
  return page.IsTruncated && page.NextContinuationToken ? { objects, next: page.NextContinuationToken } : { objects };
}

/** Every object under a prefix (follows continuation tokens). */
export async function listAll(s3: S3Client, bucket: string, prefix: string): Promise<S3ObjectSummary[]> {
  const all: S3ObjectSummary[] = [];
  let token: string | undefined;
  do {
    const page = await listPage(s3, bucket, prefix, token);
    all.push(...page.objects);
    token = page.next;
  } while (token);
  return all;
}

export async function getText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

export async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
}

export async function putObject(s3: S3Client, bucket: string, key: string, body: string | Uint8Array): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export async function deleteKeys(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (const key of keys) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** Splits `s3://bucket/key` into its parts. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match?.[1]) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1], key: match[2] ?? '' };
}
