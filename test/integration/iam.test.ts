import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaHost } from '../../local/bindings.js';
import { lambdaIdentity } from '../../local/iam/runtime-iam.js';
import { statementAt, statementRefs, withoutStatement } from '../../local/iam/stack-iam.js';
import { type LocalSession, openLocalSession } from '../../local/runtime.js';

// Issue #14: every call of a local run is authorised against the stack's own policies before a stand-in serves it.
const today = new Date();
const END = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
const SAMPLE = { viewers: 120, shows: 30, days: 14, seed: 3, endDate: END };
const INPUT = { asOf: END.toISOString() };

describe('the local run enforces the stack’s IAM policies', () => {
  let dataDir: string;
  let session: LocalSession;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'recs-iam-'));
    session = await openLocalSession({ dataDir, sample: SAMPLE, waitMs: 50, retryMs: 5 });
  }, 120_000);

  afterAll(async () => {
    await session?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const signedAs = (principal: string) => {
    const iam = session.stack.iam;
    if (!iam) throw new Error('IAM is off');
    return { credentials: iam.keyFor(principal), region: 'us-east-1' };
  };

  it('answers a refused S3 call with S3’s AccessDenied, naming the session, action and resource', async () => {
    const s3 = new S3Client({
      ...signedAs('function:sageMakerJob'),
      endpoint: session.stack.endpoints.s3,
      forcePathStyle: true,
    });
    const error = await s3
      .send(new PutObjectCommand({ Bucket: session.pipeline.names.bucketName, Key: 'runs/r1/x.json', Body: '{}' }))
      .catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((error as Error).message).toContain(
      'assumed-role/SageMakerJobRole/sageMakerJob is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::show-recs-local/runs/r1/x.json',
    );
    s3.destroy();
  });

  it('answers a refused DynamoDB call with AccessDeniedException, and an unknown key as unrecognised', async () => {
    const dynamo = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
      new DynamoDBClient({ credentials, region: 'us-east-1', endpoint: session.stack.endpoints.dynamodb });
    const put = new PutItemCommand({
      TableName: session.pipeline.names.tableName,
      Item: { viewerId: { S: 'v1' }, runId: { S: 'r1' } },
    });
    const refused = dynamo(signedAs('function:sageMakerJob').credentials);
    expect(await refused.send(put).catch((e: Error) => e)).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/'),
    });
    const stranger = dynamo({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' });
    expect(await stranger.send(put).catch((e: Error) => e)).toMatchObject({ name: 'UnrecognizedClientException' });
    refused.destroy();
    stranger.destroy();
  });

  it('fails the run at the state whose role lost a statement, and says which role lacks what', async () => {
    // Prepare: the Lambdas' DynamoDB statement, without which QualityGate cannot read the live pointer.
    const iam = session.stack.iam;
    if (!iam) throw new Error('IAM is off');
    const full = iam.stack;
    const ref = statementRefs(full).find((candidate) =>
      JSON.stringify(statementAt(full, candidate)?.Action ?? '').includes('dynamodb:GetItem'),
    );
    if (!ref) throw new Error('no statement grants dynamodb:GetItem');
    iam.authorizer.use(withoutStatement(full, ref));

    // Act
    const summary = await session
      .start({ executionName: 'without-dynamodb-read', input: INPUT })
      .finally(() => iam.authorizer.use(full));

    // Assess
    expect(summary.status).toBe('FAILED');
    expect(summary.failedState).toBe('QualityGate');
    expect(summary.accessDenied).toMatch(
      /^IAM: role \w+ \(function qualityGate\) lacks dynamodb:GetItem on arn:aws:dynamodb:us-east-1:000000000000:table\//,
    );
  }, 120_000);

  /** Runs `act` with the statement `sid` of `role` removed, then restores the policies as written. */
  const withoutSid = async <T>(role: string, sid: string, act: () => Promise<T>): Promise<T> => {
    const iam = session.stack.iam;
    if (!iam) throw new Error('IAM is off');
    const full = iam.stack;
    const ref = statementRefs(full).find((candidate) => candidate.role === role && candidate.sid === sid);
    if (!ref) throw new Error(`no statement ${role}/${sid}`);
    iam.authorizer.use(withoutStatement(full, ref));
    return act().finally(() => iam.authorizer.use(full));
  };

  it('fails the Distributed Map when the state machine may not track its child executions', async () => {
    const summary = await withoutSid('PipelineRole', 'DistributedMapChildControl', () =>
      session.start({ executionName: 'without-child-control', input: INPUT }),
    );
    expect(summary.status).toBe('FAILED');
    expect(summary.failedState).toBe('WriteTopTen');
    expect(summary.accessDenied).toMatch(
      /^IAM: role PipelineRole \(state machine \w+\) lacks states:DescribeExecution on arn:aws:states:us-east-1:000000000000:execution:show-recs-local-pipeline\/WriteTopTen:/,
    );
  }, 120_000);

  it('refuses to start a state machine whose role cannot deliver its logs, and records no execution', async () => {
    const started = withoutSid('PipelineRole', 'VendedLogDelivery', () =>
      session.start({ executionName: 'without-log-delivery', input: INPUT }),
    );
    await expect(started).rejects.toMatchObject({
      name: 'InvalidLoggingConfiguration',
      message: expect.stringContaining('lacks logs:CreateLogDelivery on *'),
    });
    expect(existsSync(join(dataDir, 'executions', 'without-log-delivery'))).toBe(false);
  });

  it('runs a function’s init as the function: the offers client that primes the live pointer signs as offers', async () => {
    const iam = session.stack.iam;
    if (!iam) throw new Error('IAM is off');
    const refused: string[] = [];
    const stop = iam.authorizer.onDenial((denial) => refused.push(`${denial.principal} ${denial.action}`));
    const viewerId = 'v000001';
    const response = await withoutSid('OffersRole', 'ReadLists', () =>
      new LambdaHost(session.pipeline.functions, lambdaIdentity(iam)).invoke('offers', {
        version: '2.0',
        routeKey: 'GET /viewers/{viewerId}/offers',
        rawPath: `/viewers/${viewerId}/offers`,
        pathParameters: { viewerId },
        requestContext: { authorizer: { jwt: { claims: { sub: viewerId }, scopes: null } } },
      }),
    ).finally(stop);
    // Without its read the function degrades (never a 500); had init signed with the runtime's key, nothing
    // would have been refused at all.
    expect(response).toMatchObject({ statusCode: 200 });
    expect(refused).toContain('function:offers dynamodb:GetItem');
  });

  it('runs the whole pipeline with every call allowed by the policies as written', async () => {
    const summary = await session.start({ executionName: 'clean', input: INPUT });
    expect(summary.status, summary.error).toBe('SUCCEEDED');
    expect(summary.recommendationsWritten).toBe(SAMPLE.viewers);
  }, 120_000);
});
