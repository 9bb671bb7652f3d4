import aslValidator from 'asl-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Cfn,
  deployedDefinition,
  packagedTemplate,
  type Resource,
  type State,
} from './support/packaged-template.js';

let resources: Record<string, Resource>;
let definition: { States: Record<string, State> };

function allStates(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor.States) : []),
  ]);
}

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

beforeAll(() => {
  resources = packagedTemplate().Resources;
  const stateMachine = resources.RecommendationPipeline;
  if (!stateMachine) throw new Error('state machine RecommendationPipeline missing from the template');
  definition = deployedDefinition(stateMachine);
}, 180_000);

describe('packaged CloudFormation template', () => {
  it('has a KMS-encrypted bucket with public access blocked and old runs expiring', () => {
    const bucket = resources.DataBucket?.Properties;
    expect(
      bucket?.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe('aws:kms');
    expect(bucket?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket?.LifecycleConfiguration.Rules[0]).toMatchObject({ Prefix: 'runs/', Status: 'Enabled' });
  });

  it('has an on-demand recommendations table with PITR, SSE-KMS and a TTL attribute', () => {
    const table = resources.RecommendationsTable?.Properties;
    expect(table?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table?.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled).toBe(true);
    expect(table?.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    expect(table?.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    expect(table?.KeySchema).toEqual([
      { AttributeName: 'viewerId', KeyType: 'HASH' },
      { AttributeName: 'runId', KeyType: 'RANGE' },
    ]);
  });

  it('deploys every Lambda the pipeline and the API use', () => {
    const names = ofType('AWS::Lambda::Function').map(([id]) => id);
    expect(names.sort()).toEqual(
      [
        'OffersLambdaFunction',
        'PrepareRunLambdaFunction',
        'PublishRunLambdaFunction',
        'QualityGateLambdaFunction',
        'RecordFailureLambdaFunction',
        'ReportTopShowsLambdaFunction',
        'SageMakerJobLambdaFunction',
        'TopShowsReportLambdaFunction',
        'WriteRecsLambdaFunction',
      ].sort(),
    );
  });

  it('routes GET /viewers/{viewerId}/offers through a JWT authorizer', () => {
    const route = ofType('AWS::ApiGatewayV2::Route').find(
      ([, r]) => r.Properties.RouteKey === 'GET /viewers/{viewerId}/offers',
    );
    expect(route?.[1].Properties.AuthorizationType).toBe('JWT');
    const authorizer = ofType('AWS::ApiGatewayV2::Authorizer')[0]?.[1].Properties;
    expect(authorizer?.AuthorizerType).toBe('JWT');
    const reports = ofType('AWS::ApiGatewayV2::Route').find(
      ([, r]) => r.Properties.RouteKey === 'GET /reports/top-shows',
    );
    expect(reports?.[1].Properties.AuthorizationScopes).toEqual(['reports/read']);
  });

  it('schedules the state machine daily and traces, logs and alarms on it', () => {
    const rule = ofType('AWS::Events::Rule').find(
      ([, r]) => r.Properties.Targets[0].Arn.Ref === 'RecommendationPipeline',
    );
    expect(rule?.[1].Properties.ScheduleExpression).toMatch(/^(cron|rate)\(/);
    // The ci stage disables the schedule: a stage parameter, not an edit of the file.
    expect(rule?.[1].Properties.State).toBe('DISABLED');
    const machine = resources.RecommendationPipeline?.Properties;
    expect(machine?.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine?.LoggingConfiguration.Level).toBe('ERROR');
    const alarmMetrics = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.MetricName);
    expect(alarmMetrics).toEqual(expect.arrayContaining(['ExecutionsFailed', 'ExecutionsTimedOut']));
    expect(ofType('AWS::CloudWatch::Dashboard')).toHaveLength(1);
  });
});

describe('state machine definition', () => {
  it('passes asl-validator', () => {
    const { isValid, errorsText } = aslValidator(definition);
    expect(isValid, errorsText('\n')).toBe(true);
  });

  it('keeps the state names operators and the command line refer to', () => {
    expect(Object.keys(definition.States)).toEqual(
      expect.arrayContaining([
        'PrepareRun',
        'UnloadViewership',
        'TrainModel',
        'QualityGate',
        'CreateModel',
        'BatchRecommend',
        'WriteTopTen',
        'Publish',
      ]),
    );
  });

  it('gives every top-level Task and Map a jittered Retry and a timeout', () => {
    const workStates = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task' || s.Type === 'Map');
    expect(workStates.length).toBeGreaterThanOrEqual(9);
    for (const [name, state] of workStates) {
      expect(state.Retry?.length, `${name} Retry`).toBeGreaterThan(0);
      expect(state.Retry[0].JitterStrategy, `${name} jitter`).toBe('FULL');
      if (state.Type === 'Task') expect(state.TimeoutSeconds, `${name} TimeoutSeconds`).toBeGreaterThan(0);
    }
  });

  it('lets a failed Task end the execution at that Task, where a console redrive resumes', () => {
    // A Catch into a recording path would make its Fail state the failed step: redrive would only fail again.
    const catching = Object.entries(definition.States)
      .filter(([, s]) => s.Catch?.length)
      .map(([name, s]) => [name, definition.States[s.Catch[0].Next]?.Type]);
    // ReportTopShows included: a report that fails after Publish fails the execution too, so it alarms and redrives.
    expect(catching).toEqual([]);
    expect(
      Object.values(definition.States)
        .filter((s) => s.Type === 'Fail')
        .map((s) => s.Error),
    ).toEqual(expect.arrayContaining(['UnloadFailed', 'UnloadAborted', 'UnloadTimedOut', 'ModelRejected']));
  });

  it('records every unsuccessful end from EventBridge, time-outs and aborts included', () => {
    const rule = ofType('AWS::Events::Rule').find(([, r]) => r.Properties.EventPattern?.source?.[0] === 'aws.states');
    const pattern = rule?.[1].Properties.EventPattern;
    expect(pattern?.['detail-type']).toEqual(['Step Functions Execution Status Change']);
    expect(pattern?.detail.status).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    expect(pattern?.detail.stateMachineArn).toEqual([{ Ref: 'RecommendationPipeline' }]);
    expect(rule?.[1].Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': ['RecordFailureLambdaFunction', 'Arn'] });
  });

  it('lets a failed Distributed Map batch fail (Retry, no Catch) so ToleratedFailurePercentage counts it', () => {
    const map = definition.States.WriteTopTen;
    expect(map?.ItemProcessor.ProcessorConfig.Mode).toBe('DISTRIBUTED');
    expect(map?.ItemReader.Resource).toBe('arn:aws:states:::s3:listObjectsV2');
    expect(map?.ItemBatcher.MaxItemsPerBatch).toBeGreaterThan(0);
    expect(map?.ResultWriter.Resource).toBe('arn:aws:states:::s3:putObject');
    const child = map?.ItemProcessor.States.WriteBatch;
    expect(child.Retry.length).toBeGreaterThan(0);
    expect(child.Catch).toBeUndefined();
  });

  it('builds every SageMaker name from the execution and its redrive count', () => {
    const createModel = definition.States.CreateModel;
    expect(createModel?.Resource).toBe('arn:aws:states:::sagemaker:createModel');
    expect(createModel?.Parameters['ModelName.$']).toMatch(/^States\.Format\(.*\$\$\.Execution\.RedriveCount/);
    // Training and transform jobs: the sageMakerJob Lambda names them from the base name and the redrive count.
    for (const name of ['TrainModel', 'BatchRecommend']) {
      const payload = definition.States[name]?.Parameters.Payload;
      expect(payload['jobBaseName.$'], name).toBe('$.run.jobBaseName');
      expect(payload['redriveCount.$'], name).toBe('$$.Execution.RedriveCount');
      expect(Object.keys(payload.request), `${name} leaves the job name to the function`).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/JobName/)]),
      );
    }
  });

  it('starts no SageMaker job from a .sync integration: a redrive would start it again', () => {
    const sync = allStates(definition.States).filter(([, s]) => /\.sync$/.test(String(s.Resource)));
    expect(sync).toEqual([]);
  });

  it('polls each SageMaker job in a Wait loop that leaves only when the job is Completed', () => {
    for (const [task, choice, wait, next] of [
      ['TrainModel', 'IsTrainingComplete', 'WaitForTraining', 'QualityGate'],
      ['BatchRecommend', 'IsTransformComplete', 'WaitForTransform', 'WriteTopTen'],
    ] as const) {
      const states = definition.States;
      expect(states[task]?.Parameters.FunctionName).toMatch(/:function:SageMakerJobLambdaFunction$/);
      expect(states[task]?.Next).toBe(choice);
      expect(states[choice]?.Choices).toEqual([
        {
          Variable: `$.${task === 'TrainModel' ? 'training' : 'transform'}.status`,
          StringEquals: 'Completed',
          Next: next,
        },
      ]);
      expect(states[choice]?.Default).toBe(wait);
      expect(states[wait]).toMatchObject({ Type: 'Wait', Next: task });
      expect(states[task]?.Parameters.Payload.maxWaitSeconds).toBeGreaterThan(0);
    }
  });

  it('polls the UNLOAD with a cap and fails with the statement error', () => {
    const choice = definition.States.IsUnloadFinished;
    expect(JSON.stringify(choice)).toContain('NumericGreaterThanEquals');
    expect(definition.States.UnloadFailed?.CausePath).toBe('$.unloadStatus.Error');
  });
});

// Issue #13: what the stack needs to deploy on today's AWS and to be safe once deployed.
describe('deploy readiness', () => {
  const trustStatements = () =>
    ofType('AWS::IAM::Role').flatMap(([id, role]) =>
      (role.Properties.AssumeRolePolicyDocument.Statement as Cfn[]).map((statement) => ({ id, statement })),
    );

  it('runs every function on nodejs24.x', () => {
    const runtimes = ofType('AWS::Lambda::Function').map(([id, fn]) => [id, fn.Properties.Runtime]);
    expect(runtimes.length).toBe(9);
    for (const [id, runtime] of runtimes) expect(runtime, id).toBe('nodejs24.x');
  });

  it('writes SageMaker output and volumes with the stack key and isolates the container from the network', () => {
    const train = definition.States.TrainModel?.Parameters.Payload.request;
    expect(train.OutputDataConfig.KmsKeyId).toMatch(/:DataKey$/);
    expect(train.ResourceConfig.VolumeKmsKeyId).toMatch(/:DataKey$/);
    expect(train.EnableNetworkIsolation).toBe(true);
    const transform = definition.States.BatchRecommend?.Parameters.Payload.request;
    expect(transform.TransformOutput.KmsKeyId).toMatch(/:DataKey$/);
    expect(transform.TransformResources.VolumeKmsKeyId).toMatch(/:DataKey$/);
    expect(definition.States.CreateModel?.Parameters.EnableNetworkIsolation).toBe(true);
    // SageMaker requires kms:Encrypt on the role when OutputDataConfig names a key.
    const keyActions = ((resources.SageMakerExecutionRole?.Properties.Policies ?? []) as Cfn[])
      .flatMap((p) => p.PolicyDocument.Statement as Cfn[])
      .filter((s) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': ['DataKey', 'Arn'] }))
      .flatMap((s) => [s.Action].flat());
    expect(keyActions).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt']));
  });

  it('pins the Step Functions and SageMaker trust policies to this account and its own resources', () => {
    for (const service of ['states.amazonaws.com', 'sagemaker.amazonaws.com']) {
      const trusts = trustStatements().filter(({ statement }) => statement.Principal.Service === service);
      expect(trusts.length, service).toBeGreaterThan(0);
      for (const { id, statement } of trusts) {
        expect(statement.Condition?.StringEquals?.['aws:SourceAccount'], id).toEqual({ Ref: 'AWS::AccountId' });
        expect(statement.Condition?.ArnLike?.['aws:SourceArn']?.['Fn::Sub'], id).toMatch(
          /^arn:\$\{AWS::Partition\}:(states|sagemaker):\$\{AWS::Region\}:\$\{AWS::AccountId\}:/,
        );
      }
    }
  });

  it('throttles each HTTP API route from stage params and logs access as JSON without headers, KMS-encrypted', () => {
    const stage = resources.HttpApiStage?.Properties;
    expect(stage?.RouteSettings).toEqual({
      'GET /viewers/{viewerId}/offers': { ThrottlingBurstLimit: 1000, ThrottlingRateLimit: 500 },
      'GET /reports/top-shows': { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
    });
    expect(stage?.DefaultRouteSettings).toEqual({ ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10 });
    const format = JSON.parse(stage?.AccessLogSettings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLatencyMs: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
    });
    expect(stage?.AccessLogSettings.Format).not.toMatch(/header|authorization/i);
    expect(stage?.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': ['HttpApiLogGroup', 'Arn'] });
    expect(resources.HttpApiLogGroup?.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': ['DataKey', 'Arn'] });
    // CloudWatch Logs may use the key only for this account's log groups.
    const keyPolicy = resources.DataKey?.Properties.KeyPolicy.Statement as Cfn[];
    const logs = keyPolicy.find((s) => JSON.stringify(s.Principal).includes('logs.'));
    expect(logs?.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub template, not JavaScript
      'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*',
    });
    expect(resources.OffersLambdaFunction?.Properties.ReservedConcurrentExecutions).toBe(100);
  });

  it('retains the key, bucket and table, names no table, and keeps point-in-time recovery on', () => {
    for (const id of ['DataKey', 'DataBucket', 'RecommendationsTable']) {
      expect(resources[id]?.DeletionPolicy, id).toBe('Retain');
      expect(resources[id]?.UpdateReplacePolicy, id).toBe('Retain');
    }
    expect(resources.RecommendationsTable?.Properties.TableName).toBeUndefined();
    expect(resources.RecommendationsTable?.Properties.PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
    });
  });

  it('passes the stack key to PrepareRun for ENCRYPTED UNLOADs', () => {
    expect(resources.PrepareRunLambdaFunction?.Properties.Environment.Variables.UNLOAD_KMS_KEY_ID).toEqual({
      Ref: 'DataKey',
    });
  });
});
