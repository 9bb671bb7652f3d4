import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../serverless-refs.js';
import type { AuthRequest } from './operations.js';

/**
 * What AWS services do with a role besides the calls our code makes: Lambda decrypts a function's environment
 * with the function's role at cold start and writes its logs and traces; SageMaker pulls the image, writes logs and
 * metrics and encrypts volumes with the job's role; Step Functions writes traces. `hard` calls fail the work when
 * refused (the function or job cannot start); `soft` ones only lose logs, traces or metrics, as in AWS.
 */

export interface ImpliedCalls {
  hard: AuthRequest[];
  soft: AuthRequest[];
}

const logs = (group: string, stream: string, withGroup: boolean): AuthRequest[] => {
  const groupArn = `arn:aws:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:log-group:${group}`;
  const streamArn = `${groupArn}:log-stream:${stream}`;
  return [
    ...(withGroup
      ? [
          { action: 'logs:CreateLogGroup', resource: groupArn },
          { action: 'logs:DescribeLogStreams', resource: groupArn },
        ]
      : []),
    { action: 'logs:CreateLogStream', resource: streamArn },
    { action: 'logs:PutLogEvents', resource: streamArn },
  ];
};

const XRAY: AuthRequest[] = [
  { action: 'xray:PutTraceSegments', resource: '*' },
  { action: 'xray:PutTelemetryRecords', resource: '*' },
];

export interface LambdaRuntimeFacts {
  /** `provider.kmsKeyArn`: the key the functions' environment is encrypted with. */
  environmentKey?: string;
  tracing: boolean;
  /** Deployed function names are `<service>-<stage>-<key>`. */
  functionNamePrefix: string;
}

/** A function's cold start: its environment decrypted (hard), its log stream and traces (soft). */
export function lambdaColdStart(facts: LambdaRuntimeFacts, key: string): ImpliedCalls {
  return {
    hard: facts.environmentKey ? [{ action: 'kms:Decrypt', resource: facts.environmentKey }] : [],
    soft: [...logs(`/aws/lambda/${facts.functionNamePrefix}${key}`, 'local', false), ...(facts.tracing ? XRAY : [])],
  };
}

/** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]` → the repository ARN. */
export function repositoryArnOf(imageUri: string): string | undefined {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)/.exec(imageUri);
  return match ? `arn:aws:ecr:${match[2]}:${match[1]}:repository/${match[3]}` : undefined;
}

/** A training or transform job's start under its role: image pull and volume key (hard), logs and metrics (soft). */
export function sageMakerJobStart(
  kind: 'TrainingJobs' | 'TransformJobs',
  name: string,
  image: string | undefined,
  volumeKey: string | undefined,
): ImpliedCalls {
  const repository = image ? repositoryArnOf(image) : undefined;
  return {
    hard: [
      ...(repository
        ? [
            { action: 'ecr:GetAuthorizationToken', resource: '*' },
            { action: 'ecr:BatchCheckLayerAvailability', resource: repository },
            { action: 'ecr:GetDownloadUrlForLayer', resource: repository },
            { action: 'ecr:BatchGetImage', resource: repository },
          ]
        : []),
      ...(volumeKey ? [{ action: 'kms:CreateGrant', resource: volumeKey }] : []),
    ],
    soft: [
      ...logs(`/aws/sagemaker/${kind}`, `${name}/algo-1`, true),
      {
        action: 'cloudwatch:PutMetricData',
        resource: '*',
        context: { 'cloudwatch:namespace': `/aws/sagemaker/${kind}` },
      },
    ],
  };
}

/**
 * What a state machine with a CloudWatch Logs destination needs from its role ("IAM policies for logging to
 * CloudWatch Logs" in the Step Functions guide): CreateStateMachine/UpdateStateMachine set up the vended log delivery
 * with these and refuse the deployment without them. Log-delivery actions take no resource ARN.
 */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

/**
 * An execution of the state machine as deployed: with logging, the role must allow the log delivery (hard: without
 * it the stack would not have deployed); with tracing, its segments are sent with the role (soft).
 */
export const stateMachineExecution = (facts: { tracing: boolean; logging: boolean }): ImpliedCalls => ({
  hard: facts.logging ? LOG_DELIVERY_ACTIONS.map((action) => ({ action, resource: '*' })) : [],
  soft: facts.tracing ? XRAY : [],
});
