import { LOCAL_ACCOUNT_ID, LOCAL_REGION, localFunctionArn } from '../asl-loader.js';
import type { LambdaHostOptions } from '../bindings.js';
import { TaskError } from '../errors.js';
import { AccessDeniedError, type Denial, describeDenial } from './authorizer.js';
import type { LocalIam } from './local-iam.js';
import { OPERATIONS } from './operations.js';
import { runWithEnv } from './scoped-env.js';

/**
 * How the local runtime plays each caller under IAM: Lambda invocations run as their function, SageMaker jobs and
 * Redshift UNLOAD/COPY as the role they were given, and Step Functions' own integrations (Lambda invoke, Data API,
 * createModel, the Distributed Map's reads, writes and child executions) as the state machine.
 */

/** Lambda: each invocation signs with its function's key; the state machine must be allowed to invoke it. */
export function lambdaIdentity(iam: LocalIam): LambdaHostOptions {
  return {
    runAs: (key, invocation) => runWithEnv(iam.envFor(iam.functionPrincipal(key)), invocation),
    authorizeInvoke: async (key) => {
      try {
        await iam.enforceAs(iam.stateMachinePrincipal(), [
          { action: OPERATIONS.implied.InvokeFunction.action, resource: localFunctionArn(key) },
        ]);
      } catch (error) {
        // What the optimized lambda:invoke integration reports for Lambda's 403 AccessDeniedException.
        if (error instanceof AccessDeniedError) throw new TaskError('Lambda.AWSLambdaException', error.message);
        throw error;
      }
    },
  };
}

/** Runs a service's work (a SageMaker job, an UNLOAD) as the role it was handed. */
export function actAsRole(iam: LocalIam): <T>(roleArn: string | undefined, work: () => Promise<T>) => Promise<T> {
  return (roleArn, work) => (roleArn ? runWithEnv(iam.envFor(iam.rolePrincipal(roleArn)), work) : work());
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
  try {
    await iam.enforceAs(iam.stateMachinePrincipal(), requests);
  } catch (error) {
    if (error instanceof AccessDeniedError)
      throw new TaskError(`${ERROR_PREFIX[service]}.AccessDeniedException`, error.message);
    throw error;
  }
}

/** A Distributed Map starts child workflow executions of its own state machine with the state machine's role. */
export async function authorizeMapRun(iam: LocalIam, stateMachineName: string): Promise<void> {
  try {
    await iam.enforceAs(iam.stateMachinePrincipal(), [
      {
        action: OPERATIONS.implied.StartExecution.action,
        resource: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${stateMachineName}`,
      },
    ]);
  } catch (error) {
    if (error instanceof AccessDeniedError) throw new TaskError('States.Runtime', error.message);
    throw error;
  }
}

/** Collects the denials of one execution; `line()` is what `recs run` prints when the run failed on one. */
export function denialRecorder(iam: LocalIam | undefined): {
  denials: Denial[];
  line(): string | undefined;
  stop(): void;
} {
  const denials: Denial[] = [];
  const stop = iam?.authorizer.onDenial((denial) => denials.push(denial)) ?? (() => undefined);
  return { denials, line: () => (denials[0] ? describeDenial(denials[0]) : undefined), stop };
}
