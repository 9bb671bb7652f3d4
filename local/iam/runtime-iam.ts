import type { LambdaHostOptions } from '../bindings.js';
import type { ChildControl } from '../distributed-map.js';
import { TaskError } from '../errors.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, localFunctionArn } from '../serverless-refs.js';
import { AccessDeniedError, type Denial, describeDenial } from './authorizer.js';
import { lambdaColdStart, sageMakerJobStart, stateMachineExecution } from './implied.js';
import type { LocalIam } from './local-iam.js';
import { type AuthRequest, OPERATIONS } from './operations.js';
import { runWithEnv } from './scoped-env.js';

/**
 * How the local runtime plays each caller under IAM: Lambda invocations run as their function, SageMaker jobs and
 * Redshift UNLOAD/COPY as the role they were given, and Step Functions' own integrations (Lambda invoke, Data API,
 * createModel, the Distributed Map's reads, writes and child executions) as the state machine.
 */

/**
 * Checks what Step Functions does with the state machine's role; a refusal fails the Task with `errorName`, the
 * error the integration or feature reports for it in AWS.
 */
async function enforceAsStateMachine(iam: LocalIam, requests: AuthRequest[], errorName: string): Promise<void> {
  try {
    await iam.enforceAs(iam.stateMachinePrincipal(), requests);
  } catch (error) {
    if (error instanceof AccessDeniedError) throw new TaskError(errorName, error.message);
    throw error;
  }
}

/** Lambda: each invocation signs with its function's key; the state machine must be allowed to invoke it. */
export function lambdaIdentity(iam: LocalIam): LambdaHostOptions {
  const started = new Set<string>();
  return {
    runAs: (key, invocation) =>
      runWithEnv(iam.envFor(iam.functionPrincipal(key)), async () => {
        // A cold start: Lambda decrypts the environment and opens the log stream with the function's role.
        if (!started.has(key)) {
          await iam
            .enforceImplied(iam.functionPrincipal(key), lambdaColdStart(iam.stack.runtime, key))
            .catch((error: unknown) => {
              if (error instanceof AccessDeniedError)
                throw Object.assign(new Error(error.message), { name: 'Lambda.KMSAccessDeniedException' });
              throw error;
            });
          started.add(key);
        }
        return invocation();
      }),
    // Lambda.AWSLambdaException: what the optimized lambda:invoke integration reports for Lambda's 403.
    authorizeInvoke: (key) =>
      enforceAsStateMachine(
        iam,
        [{ action: OPERATIONS.implied.InvokeFunction.action, resource: localFunctionArn(key) }],
        'Lambda.AWSLambdaException',
      ),
  };
}

/** Runs a service's work (a SageMaker job, an UNLOAD) as the role it was handed. */
export function actAsRole(iam: LocalIam): <T>(roleArn: string | undefined, work: () => Promise<T>) => Promise<T> {
  return (roleArn, work) => (roleArn ? runWithEnv(iam.envFor(iam.rolePrincipal(roleArn)), work) : work());
}

/**
 * A SageMaker job under its role: before the container starts, SageMaker pulls the image and grants itself the
 * volume key (a refusal fails the job), and sets up its logs and metrics (a refusal only loses them).
 */
export function sageMakerJobAs(iam: LocalIam) {
  return <T>(
    roleArn: string | undefined,
    work: () => Promise<T>,
    job?: { kind: 'TrainingJobs' | 'TransformJobs'; name: string; image?: string; volumeKey?: string },
  ): Promise<T> => {
    if (!roleArn) return work();
    const principal = iam.rolePrincipal(roleArn);
    return runWithEnv(iam.envFor(principal), async () => {
      if (job) await iam.enforceImplied(principal, sageMakerJobStart(job.kind, job.name, job.image, job.volumeKey));
      return work();
    });
  };
}

/**
 * An execution starts on the state machine as deployed: its role must allow the log delivery its logging
 * configuration needs (AWS refuses CreateStateMachine without it, so no execution could start), and a traced state
 * machine sends its segments with its role (refusals only lose traces).
 */
/** CreateStateMachine's error when the role cannot set up the log delivery (the audit names the step by it). */
export const INVALID_LOGGING_CONFIGURATION = 'InvalidLoggingConfiguration';

export async function startExecutionImplied(iam: LocalIam): Promise<void> {
  const { stateMachineTracing: tracing, stateMachineLogging: logging } = iam.stack.runtime;
  try {
    await iam.enforceImplied(iam.stateMachinePrincipal(), stateMachineExecution({ tracing, logging }));
  } catch (error) {
    if (!(error instanceof AccessDeniedError)) throw error;
    throw Object.assign(
      new Error(
        `The state machine IAM Role is not authorized to access the Log Destination (${describeDenial(error.denial)})`,
      ),
      { name: INVALID_LOGGING_CONFIGURATION },
    );
  }
}

/** Runs the runtime's own S3 work for a Step Functions feature (Distributed Map) as the state machine. */
export function asStateMachine<T>(iam: LocalIam, work: () => Promise<T>): Promise<T> {
  return runWithEnv(iam.envFor(iam.stateMachinePrincipal()), work);
}

const ERROR_PREFIX = { 'redshift-data': 'RedshiftData', sagemaker: 'SageMaker' } as const;

/**
 * Before an `aws-sdk:redshiftdata:*` or optimized `sagemaker:*` Task calls the stand-in: the state machine's role
 * must allow it. A refusal fails the Task as `<Service>.AccessDeniedException`.
 */
export async function authorizeIntegration(
  iam: LocalIam,
  service: 'redshift-data' | 'sagemaker',
  apiAction: string,
  params: Record<string, unknown>,
): Promise<void> {
  const operation = `${apiAction.charAt(0).toUpperCase()}${apiAction.slice(1)}`;
  const requests = iam.requestsFor(service, operation, params);
  if (!requests) {
    throw new TaskError('States.Runtime', `${service}:${operation} is not in the local IAM operation table`);
  }
  await enforceAsStateMachine(iam, requests, `${ERROR_PREFIX[service]}.AccessDeniedException`);
}

/** A Distributed Map starts child workflow executions of its own state machine with the state machine's role. */
export async function authorizeMapRun(iam: LocalIam, stateMachineName: string): Promise<void> {
  const resource = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${stateMachineName}`;
  await enforceAsStateMachine(iam, [{ action: OPERATIONS.implied.StartExecution.action, resource }], 'States.Runtime');
}

const CHILD_CONTROL = {
  describe: OPERATIONS.implied.DescribeExecution.action,
  redrive: OPERATIONS.implied.RedriveExecution.action,
  stop: OPERATIONS.implied.StopExecution.action,
} as const satisfies Record<ChildControl, string>;

/**
 * What a Distributed Map does to its STANDARD child executions with the state machine's role (AWS's "IAM policies
 * for using Distributed Map states"): tracks each with DescribeExecution, stops the rest with StopExecution when the
 * Map Run fails, and, when the parent is redriven, redrives each failed child with RedriveExecution. A refusal fails
 * the Map Run, as it does in AWS.
 */
export function authorizeChildControl(iam: LocalIam): (action: ChildControl, childArn: string) => Promise<void> {
  return (action, childArn) =>
    enforceAsStateMachine(iam, [{ action: CHILD_CONTROL[action], resource: childArn }], 'States.Runtime');
}

/** Collects the denials of one execution; `line()` is what `recs run` prints when the run failed on one. */
export function denialRecorder(iam: LocalIam | undefined): {
  denials: Denial[];
  line(): string | undefined;
  warnings(): string[];
  stop(): void;
} {
  const denials: Denial[] = [];
  const stop = iam?.authorizer.onDenial((denial) => denials.push(denial)) ?? (() => undefined);
  const hard = () => denials.find((denial) => !denial.soft);
  return {
    denials,
    line: () => {
      const first = hard();
      return first ? describeDenial(first) : undefined;
    },
    /** Refusals AWS would not fail on: lost logs, traces or metrics, one line per role and action. */
    warnings: () => [
      ...new Set(
        denials
          .filter((denial) => denial.soft)
          .map((denial) => `${describeDenial(denial)} (AWS drops it; the run goes on)`),
      ),
    ],
    stop,
  };
}
