import type { ArnFormats, AuthRequest, OperationEntry } from './operations.js';
import { arnOf, OPERATIONS } from './operations.js';

/**
 * What one request asks IAM for: the operation's own action on its resource (operations.ts), plus what AWS checks
 * alongside it — SSE-KMS on the bucket's key, iam:PassRole for a role handed to SageMaker, sagemaker:AddTags for
 * tags on create, the warehouse secret a Data API call names.
 */

export interface StackFacts {
  /** Bucket name → ARN of the KMS key its default encryption uses. */
  bucketKeys: Map<string, string>;
  /** Redshift workgroup name → ARN. */
  workgroups: Map<string, string>;
}

type Input = Record<string, unknown>;
const str = (value: unknown) => (typeof value === 'string' ? value : '');

export interface S3Call {
  operation: keyof (typeof OPERATIONS)['s3'] | 'Unknown';
  bucket: string;
  key?: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
}

/** The S3 operation an HTTP request is (path-style or virtual-hosted), as S3's REST API defines it. */
export function s3CallOf(method: string, url: string, headers: Record<string, string | string[] | undefined>): S3Call {
  const parsed = new URL(url, 'http://local');
  const host = str(headers.host).split(':')[0] ?? '';
  let segments = parsed.pathname.split('/').slice(1).map(decodeURIComponent);
  if (host && !/^[\d.]+$/.test(host) && host !== 'localhost' && host.includes('.')) {
    segments = [host.split('.')[0] ?? '', ...segments];
  }
  const [bucket = '', ...rest] = segments;
  const key = rest.length > 0 && rest.join('/') !== '' ? rest.join('/') : undefined;
  const q = parsed.searchParams;
  // The SDK names the operation in `x-id` for S3's logs; it selects nothing.
  q.delete('x-id');
  const m = method.toUpperCase();
  const call = (operation: S3Call['operation']): S3Call => ({
    operation,
    bucket,
    ...(key ? { key } : {}),
    query: q,
    headers,
  });
  if (key === undefined) {
    if (m === 'PUT') return call('CreateBucket');
    if (m === 'HEAD') return call('HeadBucket');
    if (m === 'GET' && q.has('location')) return call('GetBucketLocation');
    if (m === 'GET' && q.get('list-type') === '2') return call('ListObjectsV2');
    if (
      m === 'GET' &&
      [...q.keys()].every((k) => ['prefix', 'delimiter', 'marker', 'max-keys', 'encoding-type'].includes(k))
    )
      return call('ListObjects');
    return call('Unknown');
  }
  if (m === 'GET' && q.has('uploadId')) return call('ListParts');
  if (m === 'GET') return call('GetObject');
  if (m === 'HEAD') return call('HeadObject');
  if (m === 'POST' && q.has('uploads')) return call('CreateMultipartUpload');
  if (m === 'POST' && q.has('uploadId')) return call('CompleteMultipartUpload');
  if (m === 'PUT' && q.has('uploadId')) return call('UploadPart');
  if (m === 'PUT' && headers['x-amz-copy-source']) return call('CopyObject');
  if (m === 'PUT' && [...q.keys()].length === 0) return call('PutObject');
  if (m === 'DELETE' && q.has('uploadId')) return call('AbortMultipartUpload');
  if (m === 'DELETE' && [...q.keys()].length === 0) return call('DeleteObject');
  return call('Unknown');
}

export function s3Requests(formats: ArnFormats, facts: StackFacts, call: S3Call): AuthRequest[] {
  if (call.operation === 'Unknown') return [];
  const entry: OperationEntry = OPERATIONS.s3[call.operation];
  const own: AuthRequest =
    entry.resourceType === 'bucket'
      ? {
          action: entry.action,
          resource: arnOf(formats, entry, call.bucket),
          ...(call.query.has('prefix') ? { context: { 's3:prefix': call.query.get('prefix') ?? '' } } : {}),
        }
      : { action: entry.action, resource: arnOf(formats, entry, call.bucket, call.key ?? '') };
  const requests = [own];
  const explicitKey = str(call.headers['x-amz-server-side-encryption-aws-kms-key-id']);
  const key = explicitKey || facts.bucketKeys.get(call.bucket);
  const kms = (name: 'Decrypt' | 'GenerateDataKey', keyArn: string): AuthRequest => ({
    action: OPERATIONS.implied[name].action,
    resource: keyArn,
  });
  if (call.operation === 'CopyObject') {
    const source = decodeURIComponent(str(call.headers['x-amz-copy-source'])).replace(/^\//, '').split('?')[0] ?? '';
    const [sourceBucket = '', ...sourceKey] = source.split('/');
    requests.push({
      action: 's3:GetObject',
      resource: arnOf(formats, OPERATIONS.s3.GetObject, sourceBucket, sourceKey.join('/')),
    });
    const sourceKms = facts.bucketKeys.get(sourceBucket);
    if (sourceKms) requests.push(kms('Decrypt', sourceKms));
  }
  if (!key) return requests;
  // SSE-KMS: S3 asks KMS on the caller's behalf, so the caller needs the key (Bucket Keys change the count, not this).
  if (call.operation === 'GetObject') requests.push(kms('Decrypt', key));
  if (call.operation === 'PutObject' || call.operation === 'CopyObject') requests.push(kms('GenerateDataKey', key));
  if (call.operation === 'CreateMultipartUpload') requests.push(kms('GenerateDataKey', key), kms('Decrypt', key));
  return requests;
}

/** Tables a DynamoDB request touches (TableName, or the keys of RequestItems / TransactItems). */
function tablesOf(input: Input): string[] {
  if (typeof input.TableName === 'string') return [input.TableName];
  if (input.RequestItems && typeof input.RequestItems === 'object') return Object.keys(input.RequestItems);
  if (Array.isArray(input.TransactItems)) {
    return input.TransactItems.flatMap((item) =>
      Object.values((item ?? {}) as Record<string, { TableName?: string }>).map((part) => str(part?.TableName)),
    );
  }
  return [];
}

export function dynamodbRequests(formats: ArnFormats, operation: string, input: Input): AuthRequest[] | undefined {
  const entry = (OPERATIONS.dynamodb as Record<string, OperationEntry>)[operation];
  if (!entry) return undefined;
  return tablesOf(input).map((table) => ({
    action: entry.action,
    resource: table.startsWith('arn:') ? table : arnOf(formats, entry, table),
  }));
}

export function redshiftDataRequests(
  formats: ArnFormats,
  facts: StackFacts,
  operation: string,
  input: Input,
): AuthRequest[] | undefined {
  const entry = (OPERATIONS['redshift-data'] as Record<string, OperationEntry>)[operation];
  if (!entry) return undefined;
  if (!entry.resourceType) return [{ action: entry.action, resource: '*' }];
  const workgroup = str(input.WorkgroupName);
  const requests: AuthRequest[] = [
    {
      action: entry.action,
      resource: workgroup.startsWith('arn:')
        ? workgroup
        : (facts.workgroups.get(workgroup) ?? arnOf(formats, entry, workgroup)),
    },
  ];
  // The Data API reads the secret with the caller's credentials.
  if (typeof input.SecretArn === 'string') {
    requests.push({ action: OPERATIONS.implied.GetSecretValue.action, resource: input.SecretArn });
  }
  return requests;
}

function tagRequests(formats: ArnFormats, entry: OperationEntry, name: string, tags: unknown): AuthRequest[] {
  if (!Array.isArray(tags) || tags.length === 0) return [];
  const keys = tags.map((tag) => str((tag as { Key?: unknown }).Key));
  return [
    {
      action: entry.action,
      resource: arnOf(formats, entry, name),
      context: {
        'aws:TagKeys': keys,
        ...Object.fromEntries(
          tags.map((tag) => [
            `aws:RequestTag/${str((tag as { Key?: unknown }).Key)}`,
            str((tag as { Value?: unknown }).Value),
          ]),
        ),
      },
    },
  ];
}

const passRole = (roleArn: unknown): AuthRequest[] =>
  typeof roleArn === 'string'
    ? [
        {
          action: OPERATIONS.implied.PassRole.action,
          resource: roleArn,
          context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
        },
      ]
    : [];

export function sagemakerRequests(formats: ArnFormats, operation: string, input: Input): AuthRequest[] | undefined {
  const entry = (OPERATIONS.sagemaker as Record<string, OperationEntry>)[operation];
  if (!entry) return undefined;
  const name = str(input.TrainingJobName) || str(input.TransformJobName) || str(input.ModelName);
  const own: AuthRequest = { action: entry.action, resource: arnOf(formats, entry, name) };
  switch (operation) {
    case 'CreateTrainingJob':
      return [
        own,
        ...passRole(input.RoleArn),
        ...tagRequests(formats, OPERATIONS.implied.TagTrainingJob, name, input.Tags),
      ];
    case 'CreateTransformJob':
      return [own, ...tagRequests(formats, OPERATIONS.implied.TagTransformJob, name, input.Tags)];
    case 'CreateModel':
      return [
        own,
        ...passRole(input.ExecutionRoleArn),
        ...tagRequests(formats, OPERATIONS.implied.TagModel, name, input.Tags),
      ];
    default:
      return [own];
  }
}
