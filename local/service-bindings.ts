import type { Json } from './asl-loader.js';
import type { ResourceBinding } from './bindings.js';
import { authorizeIntegration } from './iam/runtime-iam.js';
import { describeStatementDurably } from './redshift/durable-describe.js';
import { asTaskError } from './sagemaker-player.js';
import type { LocalStack } from './stack.js';

/** The SDK service integrations the pipeline uses (`arn:aws:states:::<service>:<action>`), bound to the stand-ins. */

function sdk(
  stack: LocalStack,
  service: string,
  actions: Record<string, (params: Record<string, unknown>) => unknown>,
): ResourceBinding {
  return {
    matches: (resource) =>
      resource.startsWith(`arn:aws:states:::${service}:`) && (resource.split(':').at(-1) ?? '') in actions,
    handle: async (params, _name, state) => {
      const action = String(state.Resource).split(':').at(-1) as string;
      // Step Functions calls the service with the state machine's role.
      if (stack.iam) {
        const iamService = service === 'sagemaker' ? 'sagemaker' : 'redshift-data';
        await authorizeIntegration(stack.iam, iamService, action, (params ?? {}) as Record<string, unknown>);
      }
      return (await actions[action]?.((params ?? {}) as Record<string, unknown>)) as Json;
    },
  };
}

/**
 * The Data API (its finished statements kept in `statementsPath` across processes) and SageMaker's
 * createModel optimized integration.
 */
export function serviceBindings(stack: LocalStack, statementsPath: string): ResourceBinding[] {
  const redshift = sdk(stack, 'aws-sdk:redshiftdata', {
    batchExecuteStatement: (p) => stack.redshift.batchExecuteStatement(p),
    executeStatement: (p) => stack.redshift.executeStatement(p),
    describeStatement: (p) => describeStatementDurably(stack.redshift, p, statementsPath),
    getStatementResult: (p) => stack.redshift.getStatementResult(p),
  });
  const sagemaker = sdk(stack, 'sagemaker', {
    createModel: (p) => {
      try {
        return stack.sagemaker.createModel(p);
      } catch (error) {
        throw asTaskError(error);
      }
    },
  });
  return [redshift, sagemaker];
}
