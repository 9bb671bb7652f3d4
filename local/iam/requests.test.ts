import { describe, expect, it } from 'vitest';
import { loadArnFormats } from './operations.js';
import { dynamodbRequests, redshiftDataRequests, s3CallOf, s3Requests, sagemakerRequests } from './requests.js';

const formats = await loadArnFormats();
const KEY = 'arn:aws:kms:us-east-1:000000000000:key/DataKey';
const facts = {
  bucketKeys: new Map([['data', KEY]]),
  workgroups: new Map([['wg', 'arn:aws:redshift-serverless:us-east-1:000000000000:workgroup/1234']]),
};

describe('S3 requests', () => {
  it('tells the S3 operation from method, path and query, path-style or virtual-hosted', () => {
    const op = (method: string, url: string, headers = {}) => s3CallOf(method, url, headers).operation;
    expect(op('GET', '/data?list-type=2&prefix=runs%2F')).toBe('ListObjectsV2');
    expect(op('GET', '/data/runs/a.json?x-id=GetObject')).toBe('GetObject');
    expect(op('HEAD', '/data/runs/a.json')).toBe('HeadObject');
    expect(op('PUT', '/data/runs/a.json?x-id=PutObject')).toBe('PutObject');
    expect(op('PUT', '/data/runs/b.json', { 'x-amz-copy-source': '/data/runs/a.json' })).toBe('CopyObject');
    expect(op('POST', '/data/runs/a.json?uploads')).toBe('CreateMultipartUpload');
    expect(op('PUT', '/data/runs/a.json?partNumber=1&uploadId=u')).toBe('UploadPart');
    expect(op('DELETE', '/data/runs/a.json?uploadId=u')).toBe('AbortMultipartUpload');
    expect(op('DELETE', '/data/runs/a.json')).toBe('DeleteObject');
    expect(op('PUT', '/data')).toBe('CreateBucket');
    expect(s3CallOf('GET', '/runs/a.json', { host: 'data.s3.local:4566' })).toMatchObject({
      operation: 'GetObject',
      bucket: 'data',
      key: 'runs/a.json',
    });
  });

  it('asks for the bucket key as S3 does for SSE-KMS: decrypt to read, a data key to write', () => {
    const requests = (method: string, url: string) => s3Requests(formats, facts, s3CallOf(method, url, {}));
    expect(requests('GET', '/data/runs/a.json')).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::data/runs/a.json' },
      { action: 'kms:Decrypt', resource: KEY },
    ]);
    expect(requests('PUT', '/data/runs/a.json')).toEqual([
      { action: 's3:PutObject', resource: 'arn:aws:s3:::data/runs/a.json' },
      { action: 'kms:GenerateDataKey', resource: KEY },
    ]);
    expect(requests('POST', '/data/runs/a.json?uploads').map((r) => r.action)).toEqual([
      's3:PutObject',
      'kms:GenerateDataKey',
      'kms:Decrypt',
    ]);
    expect(requests('GET', '/data?list-type=2&prefix=runs%2Fr1%2F')).toEqual([
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::data', context: { 's3:prefix': 'runs/r1/' } },
    ]);
  });
});

describe('JSON-protocol requests', () => {
  it('authorises a DynamoDB batch on every table it names', () => {
    expect(dynamodbRequests(formats, 'BatchWriteItem', { RequestItems: { a: [], b: [] } })).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/a' },
      { action: 'dynamodb:BatchWriteItem', resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/b' },
    ]);
    expect(dynamodbRequests(formats, 'DeleteTable', { TableName: 'a' })).toBeUndefined();
  });

  it('authorises a Data API statement on the workgroup ARN and the secret it names', () => {
    expect(
      redshiftDataRequests(formats, facts, 'BatchExecuteStatement', {
        WorkgroupName: 'wg',
        SecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:s',
      }),
    ).toEqual([
      {
        action: 'redshift-data:BatchExecuteStatement',
        resource: 'arn:aws:redshift-serverless:us-east-1:000000000000:workgroup/1234',
      },
      { action: 'secretsmanager:GetSecretValue', resource: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:s' },
    ]);
  });

  it('passes the job role to SageMaker and tags the job on create', () => {
    const requests = sagemakerRequests(formats, 'CreateTrainingJob', {
      TrainingJobName: 'j-train-r0',
      RoleArn: 'arn:aws:iam::000000000000:role/SageMakerExecutionRole',
      Tags: [{ Key: 'runId', Value: 'r1' }],
    });
    expect(requests).toEqual([
      {
        action: 'sagemaker:CreateTrainingJob',
        resource: 'arn:aws:sagemaker:us-east-1:000000000000:training-job/j-train-r0',
      },
      {
        action: 'iam:PassRole',
        resource: 'arn:aws:iam::000000000000:role/SageMakerExecutionRole',
        context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
      },
      {
        action: 'sagemaker:AddTags',
        resource: 'arn:aws:sagemaker:us-east-1:000000000000:training-job/j-train-r0',
        context: { 'aws:TagKeys': ['runId'], 'aws:RequestTag/runId': 'r1' },
      },
    ]);
  });
});
