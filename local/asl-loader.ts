import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LocalSetupError } from './errors.js';
import {
  DEFAULT_LOCAL_NAMES,
  getPath,
  isRecord,
  type LocalResourceNames,
  type ResolveContext,
  type Resources,
  readYaml,
  resolveReferences,
  resourcesOf,
} from './serverless-refs.js';

/**
 * Loads the real state machine and the function map the way `serverless deploy` would see them, every
 * serverless/CloudFormation reference turned into its local value by local/serverless-refs.ts.
 */

export interface LocalFunction {
  /** serverless.yml function key (`prepareRun`). */
  key: string;
  /** Absolute path of the handler module (`…/functions/prepare-run/handler.ts`). */
  modulePath: string;
  /** Export name (`handler`). */
  exportName: string;
  /** Resolved function-level environment. */
  environment: Record<string, string>;
  timeoutSeconds?: number;
  /** Execution statuses (FAILED, TIMED_OUT, ABORTED) whose EventBridge status-change event this function receives. */
  executionStatusEvents?: string[];
}

export interface LoadedPipeline {
  definition: AslDefinition;
  functions: Record<string, LocalFunction>;
  /** provider.environment merged with every function's environment (handlers share one process locally). */
  environment: Record<string, string>;
  names: LocalResourceNames;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  Comment?: string;
  TimeoutSeconds?: number;
  [key: string]: unknown;
}
export type AslState = { Type: string; [key: string]: Json | undefined };

export const DEFINITION_PATH = 'statemachines/recommendation-pipeline.asl.yaml';
export const SERVERLESS_PATH = 'serverless.yml';

const stringEnv = (value: unknown): Record<string, string> =>
  isRecord(value)
    ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
    : {};

export interface LoadOptions {
  /** Project root holding serverless.yml and statemachines/. */
  root: string;
  definitionPath?: string;
  names?: Partial<LocalResourceNames>;
  env?: NodeJS.ProcessEnv;
}

/**
 * The execution statuses a function's `eventBridge` events subscribe to with the Step Functions
 * "Execution Status Change" pattern: the local runtime delivers those events itself, as EventBridge would.
 */
function executionStatusEvents(events: unknown): string[] {
  if (!Array.isArray(events)) return [];
  return events.flatMap((event) => {
    const pattern = getPath(event, 'eventBridge.pattern');
    const detailTypes = getPath(pattern, 'detail-type');
    const statuses = getPath(pattern, 'detail.status');
    if (!Array.isArray(detailTypes) || !detailTypes.includes('Step Functions Execution Status Change')) return [];
    return Array.isArray(statuses) ? statuses.map(String) : ['FAILED', 'TIMED_OUT', 'ABORTED'];
  });
}

/** serverless.yml as read, its merged `resources:`, and the resolver every local reader shares. */
export interface ServerlessStack {
  serverless: Record<string, unknown>;
  resources: Resources;
  names: LocalResourceNames;
  /** Turns serverless and CloudFormation references in `value` into local values (`resolveReferences`). */
  resolve(value: unknown): unknown;
}

/** Reads serverless.yml and `resources:` afresh (local/iam reads the stack's roles and policies through it). */
export function loadServerlessStack(options: LoadOptions): ServerlessStack {
  const root = resolve(options.root);
  const serverlessFile = resolve(root, SERVERLESS_PATH);
  if (!existsSync(serverlessFile)) throw new LocalSetupError(`missing ${serverlessFile}`);
  const serverless = readYaml(serverlessFile);
  if (!isRecord(serverless)) throw new LocalSetupError(`${serverlessFile} is not a YAML mapping`);
  const names = { ...DEFAULT_LOCAL_NAMES, ...options.names };
  const ctx: ResolveContext = { root: dirname(serverlessFile), serverless, names, env: options.env ?? {}, depth: 0 };
  return { serverless, resources: resourcesOf(ctx), names, resolve: (value) => resolveReferences(value, ctx) };
}

/** Reads serverless.yml and the ASL file, resolving every reference to its local value. */
export function loadPipeline(options: LoadOptions): LoadedPipeline {
  const root = resolve(options.root);
  const names = { ...DEFAULT_LOCAL_NAMES, ...options.names };
  const serverlessFile = resolve(root, SERVERLESS_PATH);
  const definitionFile = resolve(root, options.definitionPath ?? DEFINITION_PATH);
  for (const file of [serverlessFile, definitionFile]) {
    if (!existsSync(file)) throw new LocalSetupError(`missing ${file}`);
  }
  const serverless = readYaml(serverlessFile);
  if (!isRecord(serverless)) throw new LocalSetupError(`${serverlessFile} is not a YAML mapping`);
  const ctx: ResolveContext = { root: dirname(serverlessFile), serverless, names, env: options.env ?? {}, depth: 0 };

  const functions: Record<string, LocalFunction> = {};
  const rawFunctions = isRecord(serverless.functions) ? serverless.functions : {};
  for (const [key, raw] of Object.entries(rawFunctions)) {
    if (!isRecord(raw) || typeof raw.handler !== 'string') continue;
    const handler = String(resolveReferences(raw.handler, ctx));
    const dot = handler.lastIndexOf('.');
    const modulePath = resolve(root, `${handler.slice(0, dot)}.ts`);
    const fn: LocalFunction = {
      key,
      modulePath,
      exportName: handler.slice(dot + 1),
      environment: stringEnv(resolveReferences(raw.environment ?? {}, ctx)),
    };
    if (typeof raw.timeout === 'number') fn.timeoutSeconds = raw.timeout;
    const statuses = executionStatusEvents(raw.events);
    if (statuses.length > 0) fn.executionStatusEvents = statuses;
    functions[key] = fn;
  }

  const providerEnv = stringEnv(resolveReferences(getPath(serverless, 'provider.environment') ?? {}, ctx));
  const environment: Record<string, string> = { ...providerEnv };
  for (const fn of Object.values(functions)) Object.assign(environment, fn.environment);
  // Whatever the stage naming says, locally the one bucket and the one table have fixed names.
  Object.assign(environment, { TABLE_NAME: names.tableName, BUCKET_NAME: names.bucketName });

  const raw = readYaml(definitionFile);
  const unwrapped = isRecord(raw) && !('States' in raw) && isRecord(raw.definition) ? raw.definition : raw;
  const definition = resolveReferences(unwrapped, ctx) as AslDefinition;
  if (!isRecord(definition) || typeof definition.StartAt !== 'string' || !isRecord(definition.States)) {
    throw new LocalSetupError(`${definitionFile} has no StartAt/States`);
  }
  return { definition, functions, environment, names };
}
