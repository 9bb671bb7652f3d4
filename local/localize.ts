import type { AslDefinition, AslState } from './asl-loader.js';
import { isDistributedMap } from './bindings.js';

/**
 * The definition as the local interpreter runs it: Distributed Maps (which aws-local-stepfunctions lacks)
 * become Tasks bound to local/distributed-map.ts, and the start time a redrive must keep gets its own path.
 */

export const DISTRIBUTED_MAP_RESOURCE = 'arn:aws:states:::local:distributedMap';
// aws-local-stepfunctions overwrites $$.Execution.StartTime with "now"; a redrive must keep the original.
const START_TIME_PATH = '$$.Execution.StartTime';
const RECORDED_START_TIME_PATH = '$$.Execution.RecordedStartTime';

/** Replaces paths the interpreter cannot serve faithfully and Distributed Maps (which it lacks) in a definition. */
export function localizeDefinition(
  definition: Pick<AslDefinition, 'States' | 'StartAt'>,
  distributedMaps: Map<string, AslState>,
): AslDefinition {
  const rewritten = JSON.parse(
    JSON.stringify(definition).replaceAll(START_TIME_PATH, () => RECORDED_START_TIME_PATH),
  ) as AslDefinition;
  for (const [name, state] of Object.entries(rewritten.States)) {
    if (!isDistributedMap(state)) continue;
    distributedMaps.set(name, state);
    const { Comment, InputPath, ResultSelector, ResultPath, OutputPath, Retry, Catch, Next, End } = state;
    rewritten.States[name] = Object.fromEntries(
      Object.entries({
        Type: 'Task',
        Resource: DISTRIBUTED_MAP_RESOURCE,
        Comment,
        InputPath,
        ResultSelector,
        ResultPath,
        OutputPath,
        Retry,
        Catch,
        Next,
        End,
        TimeoutSeconds: 86_400,
      }).filter(([, value]) => value !== undefined),
    ) as AslState;
  }
  return rewritten;
}

export function stateNames(definition: Pick<AslDefinition, 'States'>, type?: string): string[] {
  return Object.entries(definition.States)
    .filter(
      ([, state]) => type === undefined || state.Type === type || (type === 'Retry' && Array.isArray(state.Retry)),
    )
    .map(([name]) => name);
}
