import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, type Tags } from 'yaml';
import { LocalSetupError } from './errors.js';

/**
 * The local stage's identity (region, account, stage, the names of the bucket and table) and the one place where
 * serverless and CloudFormation references in serverless.yml, resources/ and the ASL become local values
 * (`resolveReferences`). Something the local stage cannot resolve is an error naming it, never a placeholder.
 */

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_STAGE = 'local';

/** Names the local runtime gives the resources serverless.yml declares. */
export interface LocalResourceNames {
  bucketName: string;
  tableName: string;
}

export const DEFAULT_LOCAL_NAMES: LocalResourceNames = { bucketName: 'show-recs-local', tableName: 'recommendations' };

/** Local ARN of a serverless function key; `functionKeyFromName` maps it (or a bare name) back. */
export const localFunctionArn = (key: string): string =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${key}`;

/** Accepts a function name, a name with a qualifier, or a (possibly qualified) function ARN. */
export function functionKeyFromName(nameOrArn: string): string {
  const arn = /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(nameOrArn);
  if (arn?.[1]) return arn[1];
  return nameOrArn.split(':')[0] ?? nameOrArn;
}

/** serverless' logical id of a function key (`prepareRun` → `PrepareRunLambdaFunction`). */
export const functionLogicalId = (key: string): string =>
  `${key.charAt(0).toUpperCase()}${key.slice(1).replaceAll('-', 'Dash').replaceAll('_', 'Underscore')}LambdaFunction`;

// CloudFormation short-form tags, so serverless.yml's `resources:` parses.
const cfnTags: Tags = [
  ...['Ref', 'Condition'].map((name) => ({
    tag: `!${name}`,
    resolve: (value: string) => ({ [name === 'Ref' ? 'Ref' : 'Condition']: value }),
  })),
  ...[
    'GetAtt',
    'Sub',
    'Join',
    'Select',
    'Split',
    'If',
    'Equals',
    'Not',
    'And',
    'Or',
    'FindInMap',
    'Base64',
    'GetAZs',
    'ImportValue',
  ].flatMap((name) => [
    {
      tag: `!${name}`,
      resolve: (value: string) => ({ [`Fn::${name}`]: name === 'GetAtt' ? value.split('.') : value }),
    },
    {
      tag: `!${name}`,
      collection: 'seq' as const,
      resolve: (value: unknown) => ({ [`Fn::${name}`]: (value as { toJSON(): unknown }).toJSON() }),
    },
    {
      tag: `!${name}`,
      collection: 'map' as const,
      resolve: (value: unknown) => ({ [`Fn::${name}`]: (value as { toJSON(): unknown }).toJSON() }),
    },
  ]),
];

export function readYaml(path: string): unknown {
  try {
    return parse(readFileSync(path, 'utf8'), { customTags: cfnTags });
  } catch (error) {
    throw new LocalSetupError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** What resolving needs: the project, serverless.yml as read, the local names and the environment for `${env:}`. */
export interface ResolveContext {
  root: string;
  serverless: Record<string, unknown>;
  names: LocalResourceNames;
  env: NodeJS.ProcessEnv;
  depth: number;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at a dotted path (`provider.environment`), or undefined. */
export function getPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.').filter(Boolean)) {
    if (!isRecord(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

export type Resources = Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
const resourceCache = new WeakMap<object, Resources>();

/** `resources:` as a mapping or, as serverless allows, a list of mappings and `${file(…)}` fragments. */
export function resourcesOf(ctx: ResolveContext): Resources {
  const cached = resourceCache.get(ctx.serverless);
  if (cached) return cached;
  const raw = ctx.serverless.resources;
  const fragments = Array.isArray(raw) ? raw : [raw];
  const merged: Resources = {};
  for (const fragment of fragments) {
    let value: unknown = fragment;
    if (typeof value === 'string') {
      const file = /^\$\{file\(([^)]+)\)\}$/.exec(value.trim());
      value = file?.[1] ? readYaml(resolve(ctx.root, file[1].trim())) : undefined;
    }
    const resources = getPath(value, 'Resources');
    if (isRecord(resources)) Object.assign(merged, resources);
  }
  resourceCache.set(ctx.serverless, merged);
  return merged;
}

function functionKeys(ctx: ResolveContext): string[] {
  const functions = ctx.serverless.functions;
  return isRecord(functions) ? Object.keys(functions) : [];
}

/** The state machines serverless-step-functions adds to the template, by logical id (`id`, else `<Key>StepFunctionsStateMachine`). */
function stateMachineByLogicalId(logicalId: string, ctx: ResolveContext): { name: string } | undefined {
  const machines = getPath(ctx.serverless, 'stepFunctions.stateMachines');
  if (!isRecord(machines)) return undefined;
  for (const [key, machine] of Object.entries(machines)) {
    const id = getPath(machine, 'id');
    const machineLogicalId =
      typeof id === 'string' ? id : `${key.charAt(0).toUpperCase()}${key.slice(1)}StepFunctionsStateMachine`;
    if (machineLogicalId !== logicalId) continue;
    const name = getPath(machine, 'name');
    return { name: name === undefined ? key : String(resolveReferences(name, { ...ctx, depth: ctx.depth + 1 })) };
  }
  return undefined;
}

// A reference to something the stack does not define is a typo or a missing resource: deploying would fail, so
// failing here (rather than resolving to a placeholder) says so before a local run depends on it.
function missingResource(logicalId: string, how: string): never {
  throw new LocalSetupError(`${how} ${logicalId}: serverless.yml defines no such resource, function or state machine`);
}

function refValue(logicalId: string, ctx: ResolveContext): string {
  const pseudo: Record<string, string> = {
    'AWS::Region': LOCAL_REGION,
    'AWS::AccountId': LOCAL_ACCOUNT_ID,
    'AWS::Partition': 'aws',
    'AWS::StackName': `show-recs-${LOCAL_STAGE}`,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::NoValue': '',
  };
  if (pseudo[logicalId] !== undefined) return pseudo[logicalId];
  const fnKey = functionKeys(ctx).find((key) => functionLogicalId(key) === logicalId);
  if (fnKey) return fnKey;
  const machine = stateMachineByLogicalId(logicalId, ctx);
  if (machine) return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${machine.name}`;
  const resource = resourcesOf(ctx)[logicalId];
  if (!resource) return missingResource(logicalId, 'Ref');
  const type = resource.Type ?? '';
  if (type === 'AWS::S3::Bucket') return ctx.names.bucketName;
  if (type === 'AWS::DynamoDB::Table') return ctx.names.tableName;
  // Other resources' physical ids (a key id, a topic ARN, a log group name) only need to be stable and distinct.
  return `local-${logicalId}`;
}

function getAttValue(logicalId: string, attribute: string, ctx: ResolveContext): string {
  const fnKey = functionKeys(ctx).find((key) => functionLogicalId(key) === logicalId);
  if (fnKey) return attribute === 'Arn' ? localFunctionArn(fnKey) : fnKey;
  const machine = stateMachineByLogicalId(logicalId, ctx);
  if (machine) {
    return attribute === 'Name'
      ? machine.name
      : `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${machine.name}`;
  }
  const resource = resourcesOf(ctx)[logicalId];
  if (!resource) return missingResource(logicalId, 'Fn::GetAtt');
  const type = resource.Type ?? '';
  if (attribute !== 'Arn') return `local-${logicalId}-${attribute}`;
  if (type === 'AWS::IAM::Role') return `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${logicalId}`;
  if (type === 'AWS::S3::Bucket') return `arn:aws:s3:::${ctx.names.bucketName}`;
  if (type === 'AWS::DynamoDB::Table')
    return `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/${ctx.names.tableName}`;
  if (type === 'AWS::SNS::Topic') return `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${logicalId}`;
  // A key ARN names the key by id; locally the logical id is the id (local/iam checks key policies by it).
  if (type === 'AWS::KMS::Key') return `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:key/${logicalId}`;
  const service = type.split('::')[1]?.toLowerCase() ?? 'local';
  return `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${logicalId}`;
}

const VARIABLE = /\$\{([^${}]*)\}/;

function literal(source: string): string | undefined {
  const quoted = /^\s*(['"])(.*)\1\s*$/.exec(source);
  if (quoted) return quoted[2];
  const trimmed = source.trim();
  return /^-?\d+(\.\d+)?$/.test(trimmed) || trimmed === 'true' || trimmed === 'false' ? trimmed : undefined;
}

/** One `${source}` variable (without fallback syntax): self, param, opt, sls, aws, env, file, and remote sources. */
function variableValue(source: string, ctx: ResolveContext): unknown {
  const [kind, ...rest] = source.split(':');
  const address = rest.join(':').trim();
  switch (kind?.trim()) {
    case 'self':
      return resolveReferences(getPath(ctx.serverless, address), { ...ctx, depth: ctx.depth + 1 });
    case 'param': {
      const params = ctx.serverless.params;
      const fromStage = getPath(params, `${LOCAL_STAGE}.${address}`);
      const value = fromStage !== undefined ? fromStage : getPath(params, `default.${address}`);
      // Missing: undefined, so a `${param:x, 'fallback'}` can fall back; `expressionValue` names it otherwise.
      return value === undefined ? undefined : resolveReferences(value, { ...ctx, depth: ctx.depth + 1 });
    }
    case 'opt':
      return address === 'stage' ? LOCAL_STAGE : address === 'region' ? LOCAL_REGION : undefined;
    case 'sls':
      return address === 'stage' ? LOCAL_STAGE : address === 'instanceId' ? 'local' : undefined;
    case 'aws':
      return address === 'region' ? LOCAL_REGION : address === 'accountId' ? LOCAL_ACCOUNT_ID : undefined;
    case 'env':
      return ctx.env[address];
    case 'cf':
    case 'ssm':
    case 's3':
      return undefined;
    default: {
      const file = /^file\(([^)]+)\)(?::(.+))?$/.exec(source.trim());
      if (file?.[1]) {
        const content = readYaml(resolve(ctx.root, file[1].trim()));
        const picked = file[2] ? getPath(content, file[2].trim()) : content;
        return resolveReferences(picked, { ...ctx, depth: ctx.depth + 1 });
      }
      return undefined;
    }
  }
}

/** A `${a, b, 'c'}` expression: the first source with a value wins. */
function expressionValue(expression: string, ctx: ResolveContext): unknown {
  for (const part of expression.split(/,(?=(?:[^'"]*['"][^'"]*['"])*[^'"]*$)/)) {
    const asLiteral = literal(part);
    if (asLiteral !== undefined) return asLiteral;
    const value = variableValue(part.trim(), ctx);
    if (value !== undefined && value !== null) return value;
  }
  // A stage parameter without a value (and no fallback) would make `serverless deploy` fail for that stage; a
  // made-up local value would instead hide the gap until something depended on it.
  const param = /^\s*param:([^,]+)/.exec(expression);
  if (param?.[1]) {
    throw new LocalSetupError(
      `stage parameter "${param[1].trim()}" has no value for stage "${LOCAL_STAGE}": give it one under params.${LOCAL_STAGE} (or params.default) in serverless.yml`,
    );
  }
  return undefined;
}

// `${AWS::Region}`, `${Logical.Arn}`, `${Logical}`: Fn::Sub's own variables, which serverless leaves to CloudFormation.
const SUB_VARIABLE = /^(AWS::\w+|[A-Za-z0-9]+(\.[A-Za-z0-9]+)?)$/;

function resolveString(text: string, ctx: ResolveContext): unknown {
  let current = text;
  let from = 0;
  for (let guard = 0; guard < 100; guard++) {
    const match = VARIABLE.exec(current.slice(from));
    if (!match) return current;
    const expression = match[1] ?? '';
    const value = expressionValue(expression, ctx);
    const at = from + match.index;
    if (value === undefined && SUB_VARIABLE.test(expression.trim())) {
      from = at + match[0].length;
      continue;
    }
    if (value === undefined) throw new LocalSetupError(`cannot resolve \${${expression}} locally`);
    if (match[0] === current) return value;
    current =
      current.slice(0, at) +
      (typeof value === 'string' ? value : JSON.stringify(value)) +
      current.slice(at + match[0].length);
  }
  throw new LocalSetupError(`too many nested variables in "${text}"`);
}

function substitute(template: string, ctx: ResolveContext, variables: Record<string, unknown> = {}): string {
  return template.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
    if (variables[name] !== undefined) return String(variables[name]);
    const [logicalId, attribute] = name.split('.');
    if (!logicalId) return '';
    return attribute ? getAttValue(logicalId, attribute, ctx) : refValue(logicalId, ctx);
  });
}

/**
 * The one place serverless and CloudFormation references become local values: `${self:…}`, `${param:…}`,
 * `${sls:stage}`, `${aws:…}`, `${env:…}`, `${file(…)}`, `Ref`, `Fn::GetAtt` (a function's `<Key>LambdaFunction`
 * becomes its local ARN), `Fn::Sub`, `Fn::Join`, `Fn::Select`.
 */
export function resolveReferences(value: unknown, ctx: ResolveContext): unknown {
  if (ctx.depth > 50) throw new LocalSetupError('serverless references nest too deeply (a cycle?)');
  if (typeof value === 'string') {
    // Serverless leaves `${…}` meant for Step Functions / CloudFormation alone only in Fn::Sub, handled below.
    return resolveString(value, ctx);
  }
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, ctx));
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = resolveReferences(value[key], ctx);
    switch (key) {
      case 'Ref':
        return refValue(String(arg), ctx);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        return getAttValue(logicalId ?? '', attribute ?? 'Arn', ctx);
      }
      case 'Fn::Sub': {
        if (typeof arg === 'string') return substitute(arg, ctx);
        const [template, variables] = arg as [string, Record<string, unknown>];
        return substitute(template, ctx, variables);
      }
      case 'Fn::Join': {
        const [delimiter, list] = arg as [string, unknown[]];
        return list.map(String).join(delimiter);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number | string, unknown[]];
        return list[Number(index)];
      }
      case 'Fn::Split': {
        const [delimiter, text] = arg as [string, string];
        return text.split(delimiter);
      }
      default:
        return { [key]: arg };
    }
  }
  return Object.fromEntries(keys.map((key) => [key, resolveReferences(value[key], ctx)]));
}
