import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Each Lambda function sees its own environment, as in AWS, although handlers share this process: variables set
 * for an invocation (its role's access key) shadow process.env for everything that invocation awaits. The SDK's
 * default credential chain reads them from process.env, so each function's clients sign with its own key.
 */

const scope = new AsyncLocalStorage<Record<string, string>>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const real = process.env;
  const scopedHas = (property: string | symbol) => {
    const scoped = scope.getStore();
    return scoped !== undefined && typeof property === 'string' && property in scoped ? scoped : undefined;
  };
  // Every way of reading the environment sees the scope: a zod parse asks `in` and enumerates, the SDK only gets.
  process.env = new Proxy(real, {
    get: (target, property) => {
      const scoped = scopedHas(property);
      return scoped ? scoped[property as string] : Reflect.get(target, property);
    },
    has: (target, property) => scopedHas(property) !== undefined || Reflect.has(target, property),
    ownKeys: (target) => {
      const scoped = scope.getStore();
      const keys = Reflect.ownKeys(target);
      return scoped ? [...new Set([...keys, ...Reflect.ownKeys(scoped)])] : keys;
    },
    getOwnPropertyDescriptor: (target, property) => {
      const scoped = scopedHas(property);
      return scoped
        ? { value: scoped[property as string], enumerable: true, configurable: true, writable: true }
        : Reflect.getOwnPropertyDescriptor(target, property);
    },
  });
}

/** Runs `fn` with `env` shadowing process.env for everything it awaits. */
export function runWithEnv<T>(env: Record<string, string>, fn: () => T): T {
  install();
  return scope.run(env, fn);
}

/**
 * Several environments as one, the last that has a variable winning: a function's own variables under its role's
 * session (whose `credentialEnv` answers through `in`/get traps, so it is layered, never spread).
 */
export function layeredEnv(...layers: readonly Record<string, string>[]): Record<string, string> {
  const owner = (property: string | symbol) => layers.findLast((layer) => property in layer);
  const value = (property: string | symbol) => {
    const layer = owner(property);
    return layer === undefined || typeof property !== 'string' ? undefined : layer[property];
  };
  return new Proxy({} as Record<string, string>, {
    has: (_target, property) => owner(property) !== undefined,
    get: (_target, property) => value(property),
    ownKeys: () => [...new Set(layers.flatMap((layer) => Reflect.ownKeys(layer)))],
    getOwnPropertyDescriptor: (_target, property) =>
      owner(property) === undefined
        ? undefined
        : { value: value(property), enumerable: true, configurable: true, writable: true },
  });
}

/**
 * The variables Lambda gives a function for its role's session. The expiration, always a minute ahead, makes the
 * SDK re-read the key per request instead of caching the first caller's: two functions may share a module's client
 * (reportTopShows and topShowsReport run one handler).
 */
export function credentialEnv(key: { accessKeyId: string; secretAccessKey: string }): Record<string, string> {
  const env = { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey };
  return new Proxy(env as Record<string, string>, {
    has: (target, property) => property === 'AWS_CREDENTIAL_EXPIRATION' || property in target,
    get: (target, property) =>
      property === 'AWS_CREDENTIAL_EXPIRATION'
        ? new Date(Date.now() + 60_000).toISOString()
        : target[property as string],
  });
}

const OPERATOR_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * Credentials for the runtime's own clients: the key of the principal the current scope acts as (a SageMaker job's
 * role, an UNLOAD's role, the state machine), else the operator's. Never cached, so one client serves every scope.
 */
export async function scopedCredentials(): Promise<{ accessKeyId: string; secretAccessKey: string; expiration: Date }> {
  const scoped = scope.getStore();
  const accessKeyId = scoped?.AWS_ACCESS_KEY_ID;
  const secretAccessKey = scoped?.AWS_SECRET_ACCESS_KEY;
  const key = accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : OPERATOR_KEY;
  return { ...key, expiration: new Date(Date.now() + 60_000) };
}
