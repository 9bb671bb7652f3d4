import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { AslDefinition, AslState, Json, LocalFunction } from './asl-loader.js';
import { LocalSetupError, TaskError } from './errors.js';
import { functionKeyFromName } from './serverless-refs.js';

/**
 * Task bindings by resource ARN. aws-local-stepfunctions keys its overrides by state name, so the runtime
 * scans the definition and maps each Task's name to the binding of its `Resource`; renaming a state never
 * breaks the local run, and an unknown resource is refused before the run starts.
 */

export type TaskHandler = (input: Json, stateName: string, state: AslState) => Promise<Json>;

export interface ResourceBinding {
  /** Matches a Task's resource ARN. */
  matches(resource: string): boolean;
  handle: TaskHandler;
}

/** Every Task state in a definition, including inline Map/Parallel sub-machines (not distributed ones). */
export function taskStates(definition: Pick<AslDefinition, 'States'>): [string, AslState][] {
  const found: [string, AslState][] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task') found.push([name, state]);
    if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
      for (const branch of state.Branches as unknown as AslDefinition[]) found.push(...taskStates(branch));
    }
    const processor = (state.ItemProcessor ?? state.Iterator) as unknown as AslDefinition | undefined;
    if (state.Type === 'Map' && processor?.States && !isDistributedMap(state)) found.push(...taskStates(processor));
  }
  return found;
}

export function isDistributedMap(state: AslState): boolean {
  const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
  return state.Type === 'Map' && processor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/** The interpreter's `taskResourceLocalHandlers`, computed from the definition's resources. */
export function bindTasks(
  definition: Pick<AslDefinition, 'States'>,
  bindings: readonly ResourceBinding[],
  /** Wraps each bound handler (fault injection, local/faults.ts). */
  wrap?: (
    stateName: string,
    state: AslState,
    handler: (input: Json) => Promise<Json>,
  ) => (input: Json) => Promise<Json>,
): Record<string, (input: Json) => Promise<Json>> {
  const handlers: Record<string, (input: Json) => Promise<Json>> = {};
  for (const [name, state] of taskStates(definition)) {
    const resource = String(state.Resource ?? '');
    const binding = bindings.find((b) => b.matches(resource));
    if (!binding) throw new LocalSetupError(`state ${name}: no local binding for resource ${resource}`);
    const handler = (input: Json) => binding.handle(input, name, state);
    handlers[name] = wrap ? wrap(name, state, handler) : handler;
  }
  return handlers;
}

export interface LambdaHostOptions {
  /** Runs one invocation as the function's own principal (local/iam: its role's access key). */
  runAs?: <T>(key: string, invocation: () => Promise<T>) => Promise<T>;
  /** Before the state machine invokes a function: may its role invoke it? Throws the Task error to raise. */
  authorizeInvoke?: (key: string) => Promise<void>;
}

/** Loads handler modules lazily (after the runtime set the environment) and calls them like Lambda does. */
export class LambdaHost {
  private readonly modules = new Map<string, Promise<(event: unknown, context: unknown) => unknown>>();

  constructor(
    private readonly functions: Record<string, LocalFunction>,
    private readonly options: LambdaHostOptions = {},
  ) {}

  private load(key: string): Promise<(event: unknown, context: unknown) => unknown> {
    const fn = this.functions[key];
    if (!fn) throw new TaskError('Lambda.ResourceNotFoundException', `Function not found: ${key}`);
    let loaded = this.modules.get(key);
    if (!loaded) {
      // Lambda's init phase runs as the function too: what a module does at import (an offers client priming the
      // live pointer) signs with the function's role, never with the runtime's own key.
      const importModule = () => import(pathToFileURL(fn.modulePath).href);
      const imported = this.options.runAs ? this.options.runAs(key, importModule) : importModule();
      loaded = imported.then((module: Record<string, unknown>) => {
        const handler = module[fn.exportName];
        if (typeof handler !== 'function') throw new LocalSetupError(`${fn.modulePath} has no export ${fn.exportName}`);
        return handler as (event: unknown, context: unknown) => unknown;
      });
      this.modules.set(key, loaded);
    }
    return loaded;
  }

  /** Invokes a function as `key`; a thrown error becomes the Task error Lambda reports (name = errorType). */
  async invoke(key: string, payload: Json): Promise<Json> {
    const handler = await this.load(key);
    const timeoutMs = (this.functions[key]?.timeoutSeconds ?? 30) * 1000;
    const deadline = Date.now() + timeoutMs;
    const context = {
      functionName: key,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${key}`,
      memoryLimitInMB: '512',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${key}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    try {
      // A JSON round trip, as the Lambda service serializes both ways.
      const event = JSON.parse(JSON.stringify(payload ?? null));
      const call = async () => handler(event, context);
      const result = await (this.options.runAs ? this.options.runAs(key, call) : call());
      return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as Json);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      throw new TaskError(
        err.name || 'Error',
        JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') }),
        { cause: err },
      );
    }
  }

  /** `arn:aws:states:::lambda:invoke`: Parameters {FunctionName, Payload} → {Payload, StatusCode, ExecutedVersion}. */
  readonly invokeBinding: ResourceBinding = {
    matches: (resource) => /^arn:aws:states:::lambda:invoke$/.test(resource),
    handle: async (input) => {
      const params = (input ?? {}) as { FunctionName?: string; Payload?: Json };
      if (!params.FunctionName) throw new TaskError('States.Runtime', 'lambda:invoke needs Parameters.FunctionName');
      const key = functionKeyFromName(params.FunctionName);
      await this.options.authorizeInvoke?.(key);
      const payload = await this.invoke(key, params.Payload ?? null);
      return {
        ExecutedVersion: '$LATEST',
        Payload: payload,
        StatusCode: 200,
        SdkHttpMetadata: { HttpStatusCode: 200 },
      };
    },
  };

  /** A Task whose Resource is the function ARN itself: input in, result out. */
  readonly directBinding: ResourceBinding = {
    matches: (resource) => /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:/.test(resource),
    handle: async (input, _stateName, state) => {
      const key = functionKeyFromName(String(state.Resource));
      await this.options.authorizeInvoke?.(key);
      return this.invoke(key, input);
    },
  };
}
