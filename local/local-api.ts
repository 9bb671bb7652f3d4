import { fileURLToPath } from 'node:url';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { experimentEnv } from '../functions/_shared/experiment.js';
import { dataPaths } from './data-dir.js';
import { LocalSetupError } from './errors.js';
import { readLocalExperiment } from './experiment-file.js';
import { type FunctionScope, type HttpApiRoute, importLocalRoutes, loadHttpApiWiring } from './http-routes.js';
import { type AccessLogEntry, LocalHttpApi } from './http-server.js';
import { LocalIam } from './iam/local-iam.js';
import { layeredEnv, runWithEnv } from './iam/scoped-env.js';
import { loadOrCreateSigningKey, localAuthorizerSettings } from './jwt-keys.js';
import { makeLocalS3Client } from './s3-io.js';
import { applyLocalAwsEnv } from './standins/aws-env.js';
import { startDynamo } from './standins/dynamodb.js';
import { type RunningStandIn, startS3 } from './standins/s3.js';

/**
 * What `recs serve` runs: serverless.yml's HTTP API (local/http-routes.ts) on loopback, over the DynamoDB and S3
 * stand-ins holding a data dir's state, each function with its deployed environment and, with IAM on, its own role.
 */

// What the local runtime changes in every function's environment: no CloudWatch metrics and no X-Ray daemon here.
const LOCAL_FUNCTION_ENV = { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false' } as const;

export interface LocalApiOptions {
  dataDir: string;
  /** Project root holding serverless.yml (default: this project). */
  root?: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Enforce the stack's IAM on the functions' AWS calls (default true). */
  iam?: boolean;
  onRequest?: (entry: AccessLogEntry) => void;
}

export interface LocalApi {
  url: string;
  /** The routes served, as serverless.yml declares them. */
  routes: HttpApiRoute[];
  stop(): Promise<void>;
}

/**
 * Starts the stand-ins over `dataDir`, imports every routed handler in its function's scope and listens. Handlers
 * build their SDK clients at import, so this points the process's AWS environment at the stand-ins first; their
 * modules stay loaded, so one process serves one data dir.
 */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const root = options.root ?? fileURLToPath(new URL('..', import.meta.url));
  const paths = dataPaths(options.dataDir);
  const wiring = loadHttpApiWiring({ root });
  const authorizerNames = [...new Set(wiring.routes.flatMap((route) => route.authorizer ?? []))];
  if (authorizerNames.length > 1) {
    throw new LocalSetupError(
      `the local HTTP API runs one JWT authorizer; the routes use ${authorizerNames.join(', ')}`,
    );
  }
  const trusted = authorizerNames[0] === undefined ? undefined : wiring.authorizers[authorizerNames[0]];

  const iam = options.iam === false ? undefined : await LocalIam.load({ root });
  // The local stage's experiment (`recs experiment start`) stands in for the experiment* stage params, for the
  // functions that declare those variables.
  const experiment = experimentEnv(readLocalExperiment(options.dataDir));
  const scope: FunctionScope = (fn, work) => {
    const principal = iam?.functionPrincipal(fn.key);
    const session = iam && principal && iam.stack.principals.has(principal) ? iam.envFor(principal) : {};
    const declared = Object.fromEntries(Object.entries(experiment).filter(([name]) => name in fn.environment));
    return runWithEnv(layeredEnv(fn.environment, declared, LOCAL_FUNCTION_ENV, session), work);
  };

  const started: RunningStandIn[] = [];
  try {
    const dynamo = await startDynamo(paths.dynamodb, iam);
    started.push(dynamo);
    const s3 = await startS3(paths.s3, iam);
    started.push(s3);
    applyLocalAwsEnv({ dynamodb: dynamo.endpoint, s3: s3.endpoint });
    // As `recs run` does: before any run, the report route answers "no report yet", not NoSuchBucket.
    for (const bucket of new Set(Object.values(wiring.functions).flatMap((fn) => fn.environment.BUCKET_NAME ?? []))) {
      await ensureBucket(s3.endpoint, bucket);
    }
    const api = new LocalHttpApi({
      authorizer: localAuthorizerSettings(await loadOrCreateSigningKey(options.dataDir), trusted),
      routes: await importLocalRoutes(wiring, scope),
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    });
    const url = await api.listen(options.port ?? 0);
    return {
      url,
      routes: wiring.routes,
      stop: async () => {
        await api.close();
        for (const standIn of started.reverse()) await standIn.stop();
      },
    };
  } catch (error) {
    for (const standIn of started.reverse()) await standIn.stop().catch(() => undefined);
    throw error;
  }
}

async function ensureBucket(endpoint: string, bucket: string): Promise<void> {
  const client = makeLocalS3Client(endpoint);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!/BucketAlready/.test((error as Error).name)) throw error;
  } finally {
    client.destroy();
  }
}
