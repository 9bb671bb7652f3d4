import { describe, expect, it } from 'vitest';
import {
  LOG_DELIVERY_ACTIONS,
  lambdaColdStart,
  repositoryArnOf,
  sageMakerJobStart,
  stateMachineExecution,
} from './implied.js';

describe('what AWS services do with a role', () => {
  it('names the ECR repository an image URI pulls from', () => {
    expect(repositoryArnOf('000000000000.dkr.ecr.us-east-1.amazonaws.com/show-recs-model:local')).toBe(
      'arn:aws:ecr:us-east-1:000000000000:repository/show-recs-model',
    );
    expect(repositoryArnOf('public.ecr.aws/x/y:1')).toBeUndefined();
  });

  it('decrypts a function’s environment at cold start (a refusal stops it) and writes its logs and traces', () => {
    const calls = lambdaColdStart(
      {
        environmentKey: 'arn:aws:kms:us-east-1:000000000000:key/DataKey',
        tracing: true,
        functionNamePrefix: 'svc-local-',
      },
      'offers',
    );
    expect(calls.hard).toEqual([{ action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:000000000000:key/DataKey' }]);
    expect(calls.soft.map((call) => call.action)).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
    ]);
    expect(calls.soft[0]?.resource).toBe(
      'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/svc-local-offers:log-stream:local',
    );
  });

  it('pulls the image and grants the volume key before a job runs; logs and metrics only warn', () => {
    const calls = sageMakerJobStart(
      'TrainingJobs',
      'run-train-r0',
      '000000000000.dkr.ecr.us-east-1.amazonaws.com/show-recs-model:local',
      'arn:aws:kms:us-east-1:000000000000:key/DataKey',
    );
    expect(calls.hard.map((call) => call.action)).toEqual([
      'ecr:GetAuthorizationToken',
      'ecr:BatchCheckLayerAvailability',
      'ecr:GetDownloadUrlForLayer',
      'ecr:BatchGetImage',
      'kms:CreateGrant',
    ]);
    expect(calls.soft.at(-1)).toEqual({
      action: 'cloudwatch:PutMetricData',
      resource: '*',
      context: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' },
    });
  });

  it('needs the log delivery for a logging state machine (hard) and sends traces only when tracing (soft)', () => {
    const both = stateMachineExecution({ tracing: true, logging: true });
    expect(both.hard.map((call) => call.action)).toEqual([...LOG_DELIVERY_ACTIONS]);
    expect(both.hard.every((call) => call.resource === '*')).toBe(true);
    expect(both.soft.map((call) => call.action)).toEqual(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
    expect(stateMachineExecution({ tracing: false, logging: false })).toEqual({ hard: [], soft: [] });
  });
});
