import { StateMachine } from 'aws-local-stepfunctions';
import type { AslDefinition, AslState, Json } from './asl-loader.js';
import { bindTasks, type ResourceBinding } from './bindings.js';
import { type MapRunStore, runDistributedMap } from './distributed-map.js';
import { TaskError } from './errors.js';
import { STATE_MACHINE_NAME } from './execution-store.js';
import type { FaultInjector } from './faults.js';
import { asStateMachine, authorizeChildControl, authorizeMapRun } from './iam/runtime-iam.js';
import { DISTRIBUTED_MAP_RESOURCE, localizeDefinition } from './localize.js';
import type { Progress } from './progress.js';
import type { LocalStack } from './stack.js';

/**
 * The Task binding that runs a Distributed Map state (local/localize.ts rewrote each into a Task of
 * DISTRIBUTED_MAP_RESOURCE): its ItemProcessor becomes a child state machine on the same interpreter and bindings,
 * each batch a child execution, with `--fail-at MAP:batch=B` faults, the map-run store a redrive reads, and, under
 * local IAM, the state machine's role for the reads, writes and child executions.
 */
export interface DistributedMapBindingOptions {
  stack: LocalStack;
  faults: FaultInjector;
  /** The execution's context object (`$$`). */
  context: Record<string, unknown>;
  store: MapRunStore;
  /** A redrive: children that succeeded in the recorded map run are not run again. */
  redriven: boolean;
  progress?: Progress;
  /** Distributed Map states by name, as localizeDefinition found them; nested ones are added as they are met. */
  maps: Map<string, AslState>;
  /** Every Task binding of the execution, this one included: a child's Tasks bind like the parent's. */
  bindings: () => readonly ResourceBinding[];
  /** The Wait and Retry interval overrides for a (child) definition. */
  waitOverrides: (definition: Pick<AslDefinition, 'States'>) => Record<string, unknown>;
}

export function distributedMapBinding(options: DistributedMapBindingOptions): ResourceBinding {
  const { stack, faults, maps } = options;
  return {
    matches: (resource) => resource === DISTRIBUTED_MAP_RESOURCE,
    handle: async (mapInput, stateName) => {
      const state = maps.get(stateName);
      if (!state) throw new TaskError('States.Runtime', `no Distributed Map named ${stateName}`);
      const processor = state.ItemProcessor as unknown as AslDefinition;
      const childMaps = new Map<string, AslState>();
      const childDefinition = localizeDefinition({ StartAt: processor.StartAt, States: processor.States }, childMaps);
      for (const [name, child] of childMaps) maps.set(name, child);
      const childMachine = new StateMachine(childDefinition as never, { validationOptions: { checkArn: false } });
      const childOverrides = {
        taskResourceLocalHandlers: bindTasks(childDefinition, options.bindings(), (name, child, handler) =>
          faults.wrap(name, child, handler),
        ),
        ...options.waitOverrides(childDefinition),
      };
      // The batch `--fail-at MAP:batch=B` names runs with every Task of that child failing.
      const faultyOverrides = (index: number) => ({
        ...childOverrides,
        taskResourceLocalHandlers: bindTasks(childDefinition, options.bindings(), (name, child, handler) =>
          faults.wrapBatch(stateName, index, name, child, handler),
        ),
      });
      const run = () =>
        runDistributedMap(mapInput, {
          stateName,
          state,
          s3: stack.s3,
          context: options.context,
          store: options.store,
          reuseSucceeded: options.redriven,
          ...(options.progress ? { progress: options.progress } : {}),
          ...(stack.iam ? { controlChild: authorizeChildControl(stack.iam) } : {}),
          runChild: async (childInput, childContext) => {
            const index = Number(
              String((childContext.Execution as { Name?: string }).Name)
                .split('-')
                .at(-1),
            );
            const overrides = faults.targetsBatch(stateName, index) ? faultyOverrides(index) : childOverrides;
            return (await childMachine.run(childInput as never, {
              overrides: overrides as never,
              context: childContext as never,
            }).result) as Json;
          },
        });
      // The Map reads items, writes results and starts its children with the state machine's role.
      if (!stack.iam) return run();
      await authorizeMapRun(stack.iam, STATE_MACHINE_NAME);
      return asStateMachine(stack.iam, run);
    },
  };
}
