import { describe, expect, it } from 'vitest';
import { arnOf, checkOperationTable, loadArnFormats, OPERATIONS } from './operations.js';

describe('the operation table', () => {
  it('names, for every operation, an IAM action AWS has on a resource type that action is authorised on', async () => {
    expect(await checkOperationTable()).toEqual([]);
  });

  it('builds resource ARNs from the ARN formats of the service authorisation data', async () => {
    const formats = await loadArnFormats();
    expect(arnOf(formats, OPERATIONS.s3.GetObject, 'bucket', 'runs/r1/a.json')).toBe(
      'arn:aws:s3:::bucket/runs/r1/a.json',
    );
    expect(arnOf(formats, OPERATIONS.dynamodb.BatchWriteItem, 'recommendations')).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/recommendations',
    );
    expect(arnOf(formats, OPERATIONS.sagemaker.CreateTrainingJob, 'job-train-r0')).toBe(
      'arn:aws:sagemaker:us-east-1:000000000000:training-job/job-train-r0',
    );
    expect(arnOf(formats, OPERATIONS['redshift-data'].DescribeStatement)).toBe('*');
  });
});
