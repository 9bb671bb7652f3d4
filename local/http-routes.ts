import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { type LoadOptions, loadPipeline, loadServerlessStack } from './asl-loader.js';
import { LocalSetupError } from './errors.js';
import type { LocalRoute, LocalRouteHandler } from './http-server.js';

/**
 * The local HTTP API's wiring, derived from serverless.yml as it deploys: every function's `httpApi` events become
 * routes (method, path, authorizer and scopes), each served by that function's handler module with the environment
 * Lambda gives it (provider.environment, then the function's), resolved for the local stage by local/asl-loader.
 * A route or variable added to serverless.yml is served locally with no second edit.
 */

/** One `httpApi` event of serverless.yml, resolved for the local stage. */
export interface HttpApiRoute {
  /** Upper case; `ANY` for serverless' `*`. */
  method: string;
  /** API Gateway route path: `/viewers/{viewerId}/offers`. */
  path: string;
  /** serverless.yml function key. */
  functionKey: string;
  /** Name of the provider.httpApi authorizer in front of the route; absent for a public route. */
  authorizer?: string;
  /** The authorizer's scopes for this route: the token must carry one of them. */
  scopes: string[];
}

/** A function behind at least one route, as Lambda runs it. */
export interface HttpApiFunction {
  key: string;
  modulePath: string;
  exportName: string;
  /** provider.environment overlaid with the function's `environment`, as Lambda merges them. */
  environment: Record<string, string>;
}

/** A provider.httpApi JWT authorizer: who may issue tokens and for which audience. */
export interface JwtAuthorizerConfig {
  issuer: string;
  audience: string[];
}

export interface HttpApiWiring {
  /** Most specific first, the order in which API Gateway prefers matching routes. */
  routes: HttpApiRoute[];
  functions: Record<string, HttpApiFunction>;
  authorizers: Record<string, JwtAuthorizerConfig>;
}

// serverless' two forms: `httpApi: 'GET /path'` and `httpApi: { method, path, authorizer: { name, scopes } }`.
const HttpApiEvent = z.union([
  z.string().regex(/^(\*|[A-Za-z]+) \/\S*$/, 'an "<METHOD> /path" string'),
  z.object({
    method: z.string().min(1),
    path: z.string().startsWith('/'),
    authorizer: z
      .object({ name: z.string().min(1), scopes: z.array(z.string().min(1)).optional() })
      .strict()
      .optional(),
  }),
]);

const JwtAuthorizer = z.object({
  type: z.literal('jwt'),
  issuerUrl: z.string().url(),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
});

// Lambda's variables are strings; serverless writes a resolved number or boolean as its text.
const Environment = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({});

/** Reads serverless.yml's HTTP API (routes, the functions behind them, JWT authorizers) for the local stage. */
export function loadHttpApiWiring(options: LoadOptions): HttpApiWiring {
  const stack = loadServerlessStack(options);
  const { functions: pipelineFunctions } = loadPipeline(options);
  const provider = stack.serverless.provider;
  const providerEnvironment = parseOrThrow(
    Environment,
    stack.resolve(get(provider, 'environment') ?? {}),
    'provider.environment',
  );

  const authorizers: Record<string, JwtAuthorizerConfig> = {};
  for (const [name, raw] of Object.entries(asRecord(get(get(provider, 'httpApi'), 'authorizers')))) {
    const authorizer = parseOrThrow(JwtAuthorizer, stack.resolve(raw), `provider.httpApi.authorizers.${name}`);
    const audience = authorizer.audience;
    authorizers[name] = {
      issuer: authorizer.issuerUrl,
      audience: typeof audience === 'string' ? [audience] : audience,
    };
  }

  const routes: HttpApiRoute[] = [];
  const functions: Record<string, HttpApiFunction> = {};
  for (const [key, raw] of Object.entries(asRecord(stack.serverless.functions))) {
    const events = get(raw, 'events');
    for (const [index, event] of (Array.isArray(events) ? events : []).entries()) {
      if (get(event, 'httpApi') === undefined) continue;
      const where = `functions.${key}.events[${index}].httpApi`;
      const route = toRoute(key, parseOrThrow(HttpApiEvent, stack.resolve(get(event, 'httpApi')), where));
      if (route.authorizer !== undefined && !authorizers[route.authorizer]) {
        throw new LocalSetupError(`${where}: no provider.httpApi authorizer named "${route.authorizer}"`);
      }
      routes.push(route);
      const fn = pipelineFunctions[key];
      if (!fn) throw new LocalSetupError(`${where}: function ${key} has no handler`);
      functions[key] = {
        key,
        modulePath: fn.modulePath,
        exportName: fn.exportName,
        environment: { ...providerEnvironment, ...fn.environment },
      };
    }
  }
  return { routes: routes.sort(bySpecificity), functions, authorizers };
}

function toRoute(functionKey: string, event: z.infer<typeof HttpApiEvent>): HttpApiRoute {
  if (typeof event === 'string') {
    const [method = '', path = ''] = event.split(' ');
    return { method: method === '*' ? 'ANY' : method.toUpperCase(), path, functionKey, scopes: [] };
  }
  return {
    method: event.method === '*' ? 'ANY' : event.method.toUpperCase(),
    path: event.path,
    functionKey,
    ...(event.authorizer ? { authorizer: event.authorizer.name } : {}),
    scopes: event.authorizer?.scopes ?? [],
  };
}

// API Gateway matches the most specific route: a literal segment beats `{param}`, which beats a greedy `{param+}`.
const segmentRank = (segment: string): number => (/^\{\w+\+\}$/.test(segment) ? 2 : /^\{\w+\}$/.test(segment) ? 1 : 0);
function bySpecificity(a: HttpApiRoute, b: HttpApiRoute): number {
  const left = a.path.split('/');
  const right = b.path.split('/');
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const order = segmentRank(left[index] ?? '') - segmentRank(right[index] ?? '');
    if (order !== 0) return order;
  }
  return right.length - left.length || (a.method === 'ANY' ? 1 : 0) - (b.method === 'ANY' ? 1 : 0);
}

/**
 * Runs one piece of a function's life (its module's first import, which is Lambda's init, or one invocation) in
 * that function's scope: its environment and, with local IAM, its role's session.
 */
export type FunctionScope = <T>(fn: HttpApiFunction, work: () => Promise<T>) => Promise<T>;

/**
 * The wiring's routes with their real handlers, each module imported in its function's scope. Call this after the
 * AWS environment points at the stand-ins: handlers build their SDK clients at import.
 */
export async function importLocalRoutes(wiring: HttpApiWiring, scope: FunctionScope): Promise<LocalRoute[]> {
  const handlers = new Map<string, LocalRouteHandler>();
  for (const key of new Set(wiring.routes.map((route) => route.functionKey))) {
    const fn = wiring.functions[key];
    if (!fn) throw new LocalSetupError(`no function ${key} in the HTTP API wiring`);
    const module = (await scope(fn, () => import(pathToFileURL(fn.modulePath).href))) as Record<string, unknown>;
    const handler = module[fn.exportName];
    if (typeof handler !== 'function') throw new LocalSetupError(`${fn.modulePath} has no export ${fn.exportName}`);
    handlers.set(key, (event, context) => scope(fn, async () => handler(event, context)));
  }
  return wiring.routes.map((route) => ({
    method: route.method,
    path: route.path,
    functionName: route.functionKey,
    handler: handlers.get(route.functionKey) as LocalRouteHandler,
    authorizer: route.authorizer === undefined ? 'none' : 'jwt',
    ...(route.scopes.length > 0 ? { scopes: route.scopes } : {}),
  }));
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asRecord = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
const get = (value: unknown, key: string): unknown => (isRecord(value) ? value[key] : undefined);

function parseOrThrow<T extends z.ZodTypeAny>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.length ? `.${issue.path.join('.')}` : '';
    throw new LocalSetupError(`serverless.yml ${where}${path}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
