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
  process.env = new Proxy(real, {
    get(target, property) {
      const scoped = scope.getStore();
      if (scoped && typeof property === 'string' && property in scoped) return scoped[property];
      return Reflect.get(target, property);
    },
  });
}

/** Runs `fn` with `env` shadowing process.env for everything it awaits. */
export function runWithEnv<T>(env: Record<string, string>, fn: () => T): T {
  install();
  return scope.run(env, fn);
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
