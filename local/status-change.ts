import type { LocalFunction } from './asl-loader.js';
import type { LambdaHost } from './bindings.js';

export /**
 * What the EventBridge rule on "Step Functions Execution Status Change" does in AWS: hands the event to each
 * function subscribed to that status (recordFailure), after the execution has ended.
 */
async function deliverStatusChange(
  lambdas: LambdaHost,
  functions: Record<string, LocalFunction>,
  detail: {
    executionArn: string;
    name: string;
    status: string;
    startDate: number;
    error: string | null;
    cause: string | null;
  },
): Promise<void> {
  for (const fn of Object.values(functions)) {
    if (!fn.executionStatusEvents?.includes(detail.status)) continue;
    await lambdas.invoke(fn.key, {
      version: '0',
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      time: new Date().toISOString(),
      detail,
    });
  }
}
