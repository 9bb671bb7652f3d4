import './polyfills.js';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Json } from './asl-loader.js';

/**
 * Evaluates an ASL payload template (`"key.$": "$.path"`, `$$.` context paths, intrinsic functions) with the
 * interpreter's own implementation, by running it as a one-state Pass machine. Used where the local runtime
 * stands in for a feature the interpreter lacks (Distributed Map's ItemReader, ItemBatcher, ResultWriter).
 */
export async function evaluateTemplate(
  template: Json,
  input: Json,
  context: Record<string, unknown> = {},
): Promise<Json> {
  if (template === null || typeof template !== 'object') return template;
  const machine = new StateMachine(
    { StartAt: 'Evaluate', States: { Evaluate: { Type: 'Pass', Parameters: template as never, End: true } } },
    { validationOptions: { checkPaths: false } },
  );
  const execution = machine.run(input as never, { context: context as never });
  try {
    return (await execution.result) as Json;
  } catch (error) {
    throw (error as Error).cause ?? error;
  }
}
