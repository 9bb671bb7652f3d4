import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessDeniedError, describeDenial, IamAuthorizer } from './authorizer.js';
import { loadStackIam } from './stack-iam.js';

const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/recommendations';
const BUCKET = 'arn:aws:s3:::show-recs-local';
const KEY = 'arn:aws:kms:us-east-1:000000000000:key/DataKey';
const SAGEMAKER_ROLE = 'arn:aws:iam::000000000000:role/SageMakerExecutionRole';

const outcome = (promise: Promise<void>) =>
  promise.then(
    () => 'allowed',
    (error: unknown) =>
      error instanceof AccessDeniedError ? (error.denial.explicit ? 'explicit deny' : 'denied') : error,
  );

describe("the stack's IAM, read from serverless.yml and resources/", () => {
  const authorizer = new IamAuthorizer(loadStackIam({ root: PROJECT_ROOT }));
  const check = (principal: string, action: string, resource: string, context?: Record<string, string>) =>
    outcome(authorizer.enforce(principal, [{ action, resource, ...(context ? { context } : {}) }]));

  it('gives each function, the state machine and each service role a principal with its role', () => {
    const stack = authorizer.stack;
    expect(stack.principals.get('function:sageMakerJob')?.role.name).toBe('SageMakerJobRole');
    expect(stack.principals.get('stateMachine:recommendationPipeline')?.role.name).toBe('PipelineRole');
    expect(stack.principals.get('role:SageMakerExecutionRole')?.role.arn).toBe(SAGEMAKER_ROLE);
    expect(stack.bucketKeys.get('show-recs-local')).toBe(KEY);
  });

  it('keeps the internet-facing offers and report functions away from writes and the warehouse secret', async () => {
    const secret = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:recs-local-redshift-AbCdEf';
    for (const fn of ['function:offers', 'function:topShowsReport']) {
      for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem']) {
        expect(await check(fn, action, TABLE), `${fn} ${action}`).toBe('denied');
      }
      expect(await check(fn, 's3:PutObject', `${BUCKET}/runs/r1/report/report.json`)).toBe('denied');
      expect(await check(fn, 'secretsmanager:GetSecretValue', secret)).toBe('denied');
    }
    expect(await check('function:offers', 'dynamodb:GetItem', TABLE)).toBe('allowed');
    expect(await check('function:reportTopShows', 'secretsmanager:GetSecretValue', secret)).toBe('allowed');
  });

  it('allows what a role grants and denies what it does not', async () => {
    expect(await check('function:writeRecs', 'dynamodb:BatchWriteItem', TABLE)).toBe('allowed');
    expect(await check('function:sageMakerJob', 'dynamodb:PutItem', TABLE)).toBe('denied');
    expect(
      await check('role:SageMakerExecutionRole', 's3:PutObject', `${BUCKET}/runs/r1/model/j/output/model.tar.gz`),
    ).toBe('allowed');
    expect(
      await check('role:SageMakerExecutionRole', 's3:PutObject', `${BUCKET}/runs/r1/viewership/0000_part_00.json`),
    ).toBe('denied');
  });

  it('evaluates conditions: iam:PassedToService on PassRole, the bucket policy on aws:SecureTransport', async () => {
    const pass = (service: string) =>
      check('stateMachine:recommendationPipeline', 'iam:PassRole', SAGEMAKER_ROLE, { 'iam:PassedToService': service });
    expect(await pass('sagemaker.amazonaws.com')).toBe('allowed');
    expect(await pass('lambda.amazonaws.com')).toBe('denied');
    const read = (secure: string) =>
      check('function:writeRecs', 's3:GetObject', `${BUCKET}/runs/r1/recommendations/a.out`, {
        'aws:SecureTransport': secure,
      });
    expect(await read('true')).toBe('allowed');
    expect(await read('false')).toBe('explicit deny');
  });

  it('lets IAM policies decide for the key, as its key policy delegates to the account', async () => {
    expect(await check('role:RedshiftUnloadRole', 'kms:GenerateDataKey', KEY)).toBe('allowed');
    expect(await check('role:RedshiftUnloadRole', 'kms:Encrypt', KEY)).toBe('denied');
  });

  it('names the assumed-role session, the action and the resource, as AWS does', async () => {
    const error = await authorizer
      .enforce('function:sageMakerJob', [{ action: 'dynamodb:PutItem', resource: TABLE }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as Error).message).toBe(
      `User: arn:aws:sts::000000000000:assumed-role/SageMakerJobRole/sageMakerJob is not authorized to perform: dynamodb:PutItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:PutItem action`,
    );
    expect(describeDenial((error as AccessDeniedError).denial)).toBe(
      `IAM: role SageMakerJobRole (function sageMakerJob) lacks dynamodb:PutItem on ${TABLE}`,
    );
  });
});

describe('the source of truth', () => {
  const root = mkdtempSync(join(tmpdir(), 'recs-iam-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a role changed in resources/ changes what the next load allows', async () => {
    cpSync(join(PROJECT_ROOT, 'serverless.yml'), join(root, 'serverless.yml'));
    cpSync(join(PROJECT_ROOT, 'resources'), join(root, 'resources'), { recursive: true });
    cpSync(join(PROJECT_ROOT, 'statemachines'), join(root, 'statemachines'), { recursive: true });
    const before = new IamAuthorizer(loadStackIam({ root }));
    const pass = (authorizer: IamAuthorizer) =>
      outcome(
        authorizer.enforce('function:sageMakerJob', [
          {
            action: 'sagemaker:CreateTrainingJob',
            resource: 'arn:aws:sagemaker:us-east-1:000000000000:training-job/j',
          },
        ]),
      );
    expect(await pass(before)).toBe('allowed');
    const iamFile = join(root, 'resources', 'function-roles.yml');
    writeFileSync(iamFile, readFileSync(iamFile, 'utf8').replace('sagemaker:CreateTrainingJob, ', ''));
    expect(await pass(new IamAuthorizer(loadStackIam({ root })))).toBe('denied');
  });
});
