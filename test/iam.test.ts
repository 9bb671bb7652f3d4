import { beforeAll, describe, expect, it } from 'vitest';
import { LOG_DELIVERY_ACTIONS } from '../local/iam/implied.js';
import { allowStatements, type Cfn, packagedTemplate, type Resource } from './support/packaged-template.js';

// Least privilege, read from the packaged template: every Lambda has its own role, and this table is exactly what
// each role allows. A new permission is a change to this table, reviewed with the code that needs it.
const TELEMETRY = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const EXPECTED_ACTIONS: Record<string, string[]> = {
  PrepareRunLambdaFunction: [...TELEMETRY, 'kms:Decrypt'],
  QualityGateLambdaFunction: [...TELEMETRY, 'kms:Decrypt', 'dynamodb:GetItem'],
  SageMakerJobLambdaFunction: [
    ...TELEMETRY,
    'kms:Decrypt',
    'sagemaker:CreateTrainingJob',
    'sagemaker:DescribeTrainingJob',
    'sagemaker:StopTrainingJob',
    'sagemaker:CreateTransformJob',
    'sagemaker:DescribeTransformJob',
    'sagemaker:StopTransformJob',
    'sagemaker:AddTags',
    'iam:PassRole',
  ],
  WriteRecsLambdaFunction: [...TELEMETRY, 'kms:Decrypt', 's3:GetObject', 'dynamodb:BatchWriteItem'],
  PublishRunLambdaFunction: [
    ...TELEMETRY,
    'kms:Decrypt',
    's3:GetObject',
    's3:ListBucket',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
  ],
  RecordFailureLambdaFunction: [...TELEMETRY, 'kms:Decrypt', 's3:GetObject', 's3:ListBucket', 'dynamodb:UpdateItem'],
  ReportTopShowsLambdaFunction: [
    ...TELEMETRY,
    'kms:Decrypt',
    'kms:GenerateDataKey',
    's3:GetObject',
    's3:ListBucket',
    's3:PutObject',
    's3:AbortMultipartUpload',
    'redshift-data:ExecuteStatement',
    'redshift-data:BatchExecuteStatement',
    'redshift-data:DescribeStatement',
    'redshift-data:GetStatementResult',
    'secretsmanager:GetSecretValue',
  ],
  TopShowsReportLambdaFunction: [...TELEMETRY, 'kms:Decrypt', 's3:ListBucket', 's3:GetObject'],
  OffersLambdaFunction: [...TELEMETRY, 'kms:Decrypt', 'dynamodb:GetItem'],
};

// The internet-facing functions: a stolen token or a code bug there must not be able to change anything.
const READ_ONLY_FUNCTIONS = ['OffersLambdaFunction', 'TopShowsReportLambdaFunction'];
const WRITE_ACTION =
  /:(Put|Write|BatchWrite|Update|Delete|Create|Execute|BatchExecute|Abort|Start|Stop|GenerateDataKey|Encrypt|PassRole)/;

// Actions AWS documents as taking no resource ARN: '*' is the only valid resource for them.
const ACTIONS_WITHOUT_RESOURCE_SCOPE = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  ...LOG_DELIVERY_ACTIONS,
  'ecr:GetAuthorizationToken',
  'cloudwatch:PutMetricData',
  'redshift-data:DescribeStatement',
  'redshift-data:GetStatementResult',
]);

let resources: Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const actionsOf = (role: Resource) => allowStatements(role).flatMap((s) => [s.Action].flat() as string[]);
const roleOf = (functionId: string): [string, Resource] => {
  const roleId = resources[functionId]?.Properties.Role['Fn::GetAtt']?.[0] as string;
  const role = resources[roleId];
  if (!role) throw new Error(`${functionId}: role ${roleId} is not in the template`);
  return [roleId, role];
};

beforeAll(() => {
  resources = packagedTemplate().Resources;
}, 180_000);

describe('one IAM role per function', () => {
  it('gives every Lambda a role of its own, assumable by Lambda only', () => {
    const functions = ofType('AWS::Lambda::Function').map(([id]) => id);
    expect(functions.sort()).toEqual(Object.keys(EXPECTED_ACTIONS).sort());
    const roleIds = functions.map((id) => roleOf(id)[0]);
    expect(new Set(roleIds).size).toBe(functions.length);
    for (const id of functions) {
      const trust = roleOf(id)[1].Properties.AssumeRolePolicyDocument.Statement as Cfn[];
      expect(
        trust.map((s) => [s.Principal, s.Action]),
        id,
      ).toEqual([[{ Service: 'lambda.amazonaws.com' }, 'sts:AssumeRole']]);
    }
    // No shared role left behind by the framework.
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it.each(Object.entries(EXPECTED_ACTIONS))('allows %s exactly the actions in the table', (functionId, expected) => {
    const [, role] = roleOf(functionId);
    expect([...new Set(actionsOf(role))].sort()).toEqual([...expected].sort());
    expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
  });

  it('gives the internet-facing offers and report functions no write action at all', () => {
    for (const functionId of READ_ONLY_FUNCTIONS) {
      const writes = actionsOf(roleOf(functionId)[1])
        .filter((action) => WRITE_ACTION.test(action))
        // Their own log stream and trace segments are the Lambda runtime's, not the function's, writes.
        .filter((action) => !TELEMETRY.includes(action));
      expect(writes, functionId).toEqual([]);
    }
  });

  it('scopes each function log permission to its own log group', () => {
    for (const functionId of Object.keys(EXPECTED_ACTIONS)) {
      const logs = allowStatements(roleOf(functionId)[1]).find((s) => [s.Action].flat().includes('logs:PutLogEvents'));
      const functionName = functionId.replace(/LambdaFunction$/, '').replace(/^./, (c) => c.toLowerCase());
      expect(logs.Resource['Fn::Sub'], functionId).toMatch(
        new RegExp(`:log-group:/aws/lambda/show-recs-ci-${functionName}:\\*$`),
      );
    }
  });
});

describe('IAM', () => {
  it('grants * only on actions that cannot be scoped to a resource', () => {
    const statements = ofType('AWS::IAM::Role').flatMap(([role, r]) =>
      allowStatements(r).map((s: Cfn) => ({ role, ...s })),
    );
    expect(statements.length).toBeGreaterThan(10);
    const offenders = statements
      .filter((s) => [s.Resource].flat().includes('*'))
      .flatMap((s) => [s.Action].flat().map((action: string) => `${s.role}: ${action}`))
      .filter((entry) => !ACTIONS_WITHOUT_RESOURCE_SCOPE.has(entry.split(': ')[1] ?? ''));
    expect(offenders).toEqual([]);
  });

  it('lets only the pipeline and the job function pass the SageMaker role, and only to SageMaker', () => {
    const passing = ofType('AWS::IAM::Role')
      .filter(([, role]) => actionsOf(role).includes('iam:PassRole'))
      .map(([id]) => id);
    expect(passing.sort()).toEqual(['PipelineRole', 'SageMakerJobRole']);
    for (const roleId of passing) {
      const passRole = allowStatements(resources[roleId] as Resource).find((s) => s.Action === 'iam:PassRole');
      expect(passRole.Resource, roleId).toEqual({ 'Fn::GetAtt': ['SageMakerExecutionRole', 'Arn'] });
      expect(passRole.Condition.StringEquals['iam:PassedToService'], roleId).toBe('sagemaker.amazonaws.com');
    }
    const pipeline = actionsOf(resources.PipelineRole as Resource);
    expect(pipeline).toEqual(
      expect.arrayContaining(['sagemaker:CreateModel', 'sagemaker:AddTags', 'states:RedriveExecution']),
    );
    expect(pipeline.filter((a) => /TrainingJob|TransformJob/.test(a))).toEqual([]);
  });
});
