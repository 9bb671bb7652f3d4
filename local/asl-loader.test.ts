// biome-ignore-all lint/suspicious/noTemplateCurlyInString: serverless ${…} variables are the subject of these tests
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipeline, loadServerlessStack } from './asl-loader.js';
import { LocalSetupError } from './errors.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, localFunctionArn } from './serverless-refs.js';

// How the loader (through serverless-refs.ts) turns Ref, Fn::GetAtt and ${self:…} into local values, on a small
// serverless.yml written for the test (resources split across a list and a ${file()} fragment, as serverless
// allows). ${param:…}, and what a missing parameter or resource does, belong to the stage-parameter tests.
const SERVERLESS = `service: show-recs
custom:
  prefix: recs
  dataName: \${self:custom.prefix}-data
  retry:
    maxAttempts: 3
  loopA: \${self:custom.loopB}
  loopB: \${self:custom.loopA}
functions:
  writeRecs:
    handler: functions/write-recs/handler.handler
    timeout: 120
    environment:
      DATA_NAME: \${self:custom.dataName}
      ROLE_ARN: !GetAtt PipelineRole.Arn
resources:
  - Resources:
      DataBucket:
        Type: AWS::S3::Bucket
      RecommendationsTable:
        Type: AWS::DynamoDB::Table
  - \${file(resources/more.yml)}
`;
const MORE = `Resources:
  PipelineRole:
    Type: AWS::IAM::Role
  AlarmTopic:
    Type: AWS::SNS::Topic
  DataKey:
    Type: AWS::KMS::Key
  HttpApiLogGroup:
    Type: AWS::Logs::LogGroup
`;
const DEFINITION = `Comment: test machine
StartAt: WriteTopTen
States:
  WriteTopTen:
    Type: Task
    Resource: arn:aws:states:::lambda:invoke
    Parameters:
      FunctionName:
        Fn::GetAtt: [WriteRecsLambdaFunction, Arn]
      Payload:
        bucket: !Ref DataBucket
        attempts: \${self:custom.retry.maxAttempts}
    End: true
`;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'asl-loader-'));
  mkdirSync(join(root, 'resources'));
  mkdirSync(join(root, 'statemachines'));
  writeFileSync(join(root, 'serverless.yml'), SERVERLESS);
  writeFileSync(join(root, 'resources', 'more.yml'), MORE);
  writeFileSync(join(root, 'statemachines', 'machine.asl.yaml'), DEFINITION);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const names = { bucketName: 'test-bucket', tableName: 'test-table' };
const resolveLocal = (value: unknown) => loadServerlessStack({ root, names }).resolve(value);

describe('Ref', () => {
  it.each([
    ['AWS::Region', LOCAL_REGION],
    ['AWS::AccountId', LOCAL_ACCOUNT_ID],
    ['AWS::Partition', 'aws'],
    ['WriteRecsLambdaFunction', 'writeRecs'],
    ['DataBucket', 'test-bucket'],
    ['RecommendationsTable', 'test-table'],
    ['AlarmTopic', 'local-AlarmTopic'],
  ])('resolves %s to %s', (logicalId, expected) => {
    expect(resolveLocal({ Ref: logicalId })).toBe(expected);
  });

  it('finds resources in a ${file()} fragment of the resources list', () => {
    expect(loadServerlessStack({ root, names }).resources).toMatchObject({
      DataBucket: { Type: 'AWS::S3::Bucket' },
      PipelineRole: { Type: 'AWS::IAM::Role' },
    });
  });
});

describe('Fn::GetAtt', () => {
  it.each([
    [['WriteRecsLambdaFunction', 'Arn'], localFunctionArn('writeRecs')],
    [['PipelineRole', 'Arn'], `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/PipelineRole`],
    [['DataBucket', 'Arn'], 'arn:aws:s3:::test-bucket'],
    [['RecommendationsTable', 'Arn'], `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/test-table`],
    [['AlarmTopic', 'Arn'], `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:AlarmTopic`],
    [['DataKey', 'Arn'], `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:key/DataKey`],
    [['HttpApiLogGroup', 'Arn'], `arn:aws:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:HttpApiLogGroup`],
    [['DataBucket', 'DomainName'], 'local-DataBucket-DomainName'],
  ])('resolves %j to %s', (args, expected) => {
    expect(resolveLocal({ 'Fn::GetAtt': args })).toBe(expected);
  });

  it('accepts the dotted short form (!GetAtt Role.Arn) as the list form', () => {
    expect(resolveLocal({ 'Fn::GetAtt': 'PipelineRole.Arn' })).toBe(
      resolveLocal({ 'Fn::GetAtt': ['PipelineRole', 'Arn'] }),
    );
  });

  it('resolves references inside Fn::Sub, Fn::Join and Fn::Select', () => {
    expect(resolveLocal({ 'Fn::Sub': 'arn:aws:s3:::${DataBucket}/runs/*' })).toBe('arn:aws:s3:::test-bucket/runs/*');
    expect(resolveLocal({ 'Fn::Sub': ['${Key}-${AWS::Region}', { Key: 'k' }] })).toBe(`k-${LOCAL_REGION}`);
    expect(resolveLocal({ 'Fn::Join': ['/', [{ Ref: 'DataBucket' }, 'x']] })).toBe('test-bucket/x');
    expect(resolveLocal({ 'Fn::Select': [1, ['a', { Ref: 'RecommendationsTable' }]] })).toBe('test-table');
  });
});

describe('${self:…}', () => {
  it('keeps the referenced value as is when it is the whole string, and splices it into a longer one', () => {
    expect(resolveLocal('${self:custom.retry.maxAttempts}')).toBe(3);
    expect(resolveLocal('${self:custom.retry}')).toEqual({ maxAttempts: 3 });
    expect(resolveLocal('attempts-${self:custom.retry.maxAttempts}')).toBe('attempts-3');
  });

  it('resolves a value that itself refers to another', () => {
    expect(resolveLocal('${self:custom.dataName}')).toBe('recs-data');
  });

  it('takes the first source with a value, literal fallbacks included', () => {
    expect(resolveLocal("${self:custom.missing, self:custom.prefix, 'x'}")).toBe('recs');
    expect(resolveLocal("${self:custom.missing, 'fallback'}")).toBe('fallback');
    expect(resolveLocal('${self:custom.missing, 7}')).toBe('7');
  });

  it('fails naming the variable when nothing resolves it', () => {
    expect(() => resolveLocal('${self:custom.missing}')).toThrow(LocalSetupError);
    expect(() => resolveLocal('a-${self:custom.missing}')).toThrow('cannot resolve ${self:custom.missing} locally');
  });

  it('stops a reference cycle with an error instead of recursing forever', () => {
    expect(() => resolveLocal('${self:custom.loopA}')).toThrow(/nest too deeply/);
  });
});

describe('loadPipeline', () => {
  it('resolves the definition and the function environment with the same rules', () => {
    const pipeline = loadPipeline({ root, names, definitionPath: 'statemachines/machine.asl.yaml' });

    expect(pipeline.definition.States.WriteTopTen?.Parameters).toEqual({
      FunctionName: localFunctionArn('writeRecs'),
      Payload: { bucket: 'test-bucket', attempts: 3 },
    });
    expect(pipeline.functions.writeRecs).toMatchObject({
      key: 'writeRecs',
      modulePath: join(root, 'functions/write-recs/handler.ts'),
      exportName: 'handler',
      timeoutSeconds: 120,
      environment: { DATA_NAME: 'recs-data', ROLE_ARN: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/PipelineRole` },
    });
    expect(pipeline.environment).toMatchObject({ TABLE_NAME: 'test-table', BUCKET_NAME: 'test-bucket' });
  });
});
