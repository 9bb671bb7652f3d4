import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { PGlite } from '@electric-sql/pglite';
import { dataPaths } from './data-dir.js';
import { LocalSetupError } from './errors.js';
import type { LocalIam } from './iam/local-iam.js';
import { actAsRole, sageMakerJobAs } from './iam/runtime-iam.js';
import type { Progress } from './progress.js';
import { RedshiftDataEmulator } from './redshift/data-api.js';
import { startRedshiftDataServer } from './redshift/server.js';
import { makeLocalS3Client } from './s3-io.js';
import { startSageMakerApiServer } from './sagemaker-api.js';
import { type ContainerCommand, nodeContainer } from './sagemaker-container.js';
import { SageMakerPlayer } from './sagemaker-player.js';
import { LOCAL_REGION } from './serverless-refs.js';
import { localAwsEnv } from './standins/aws-env.js';
import { startDynamo } from './standins/dynamodb.js';
import { type RunningStandIn, startS3 } from './standins/s3.js';

/** The stack of stand-ins one local session runs the pipeline against, each on loopback with its state in the data dir. */

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface LocalStack {
  s3: S3Client;
  dynamo: DynamoDBClient;
  warehouse: PGlite;
  redshift: RedshiftDataEmulator;
  /** SageMaker played by our container's entry points; its jobs outlive the execution that started them. */
  sagemaker: SageMakerPlayer;
  endpoints: { s3: string; dynamodb: string; redshiftData: string; sagemaker: string };
  env: Record<string, string>;
  /** The stack's IAM the stand-ins enforce (absent with --no-iam). */
  iam?: LocalIam;
  /** Waits for running SageMaker jobs, then stops every stand-in. */
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** How the player starts our container (default: model/main.ts under `root`, in a child Node). */
  container?: ContainerCommand;
  /** Project root (default: this project). */
  root?: string;
  progress?: Progress;
  /** Enforce the stack's IAM in front of every stand-in (local/iam). */
  iam?: LocalIam;
}

/**
 * Starts s3rver, dynalite, PGlite (+ the Data API emulation over HTTP) and the SageMaker API over the
 * player, with their state under `dataDir`.
 */
export async function startLocalStack(dataDir: string, options: LocalStackOptions = {}): Promise<LocalStack> {
  const paths = dataPaths(dataDir);
  const started: RunningStandIn[] = [];
  try {
    const iam = options.iam;
    const s3Server = await startS3(paths.s3, iam);
    started.push(s3Server);
    const dynamoServer = await startDynamo(paths.dynamodb, iam);
    started.push(dynamoServer);
    let warehouse: PGlite;
    try {
      warehouse = await PGlite.create(paths.warehouse);
    } catch (error) {
      throw new LocalSetupError(
        `warehouse at ${paths.warehouse} is corrupt: ${(error as Error).message}; rerun with --reset`,
        {
          cause: error,
        },
      );
    }
    const s3 = makeLocalS3Client(s3Server.endpoint);
    const redshift = new RedshiftDataEmulator(warehouse, s3, iam ? actAsRole(iam) : undefined);
    const dataApi = await startRedshiftDataServer(redshift, iam);
    started.push(dataApi);
    const dynamo = new DynamoDBClient({
      endpoint: dynamoServer.endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const env: Record<string, string> = {
      ...localAwsEnv({ s3: s3Server.endpoint, dynamodb: dynamoServer.endpoint }),
      AWS_ENDPOINT_URL_REDSHIFT_DATA: dataApi.endpoint,
    };
    const sagemaker = new SageMakerPlayer({
      s3,
      workDir: paths.sagemaker,
      container: options.container ?? nodeContainer(options.root ?? PROJECT_ROOT),
      progress: options.progress,
      // The container reads its channels from disk, but gets the same endpoints a real one would.
      env,
      ...(iam ? { actAs: sageMakerJobAs(iam) } : {}),
    });
    const sagemakerApi = await startSageMakerApiServer(sagemaker, iam);
    started.push(sagemakerApi);
    env.AWS_ENDPOINT_URL_SAGEMAKER = sagemakerApi.endpoint;
    return {
      s3,
      dynamo,
      warehouse,
      redshift,
      sagemaker,
      endpoints: {
        s3: s3Server.endpoint,
        dynamodb: dynamoServer.endpoint,
        redshiftData: dataApi.endpoint,
        sagemaker: sagemakerApi.endpoint,
      },
      env,
      ...(iam ? { iam } : {}),
      async stop() {
        await sagemaker.settle();
        await redshift.idle().catch(() => undefined);
        s3.destroy();
        dynamo.destroy();
        await warehouse.close().catch(() => undefined);
        for (const standIn of started.reverse()) await standIn.stop().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const standIn of started.reverse()) await standIn.stop().catch(() => undefined);
    throw error;
  }
}
