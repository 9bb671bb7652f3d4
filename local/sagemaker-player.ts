import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { TaskError } from './errors.js';
import { type Progress, silentProgress } from './progress.js';
import type { ContainerCommand, RunningJob } from './sagemaker-container.js';
import { runTrainingJob } from './sagemaker-training.js';
import { runTransformJob } from './sagemaker-transform.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './serverless-refs.js';

/**
 * SageMaker played locally: training and transform jobs run the container's `train` / `serve` entry points as
 * child processes with `/opt/ml` mapped to a work folder. As in SageMaker, Create* starts a job and returns at
 * once, the job runs on (even after the execution that started it failed), and Describe* reports its status.
 * Jobs are kept in a registry in the data dir, so a reused name is refused as SageMaker refuses it, and a
 * redrive (possibly in a later process) can see what already ran. The API shape is served over HTTP by
 * local/sagemaker-api.ts, which is what the pipeline's SDK client talks to. The jobs themselves are
 * local/sagemaker-training.ts and local/sagemaker-transform.ts; the container process is local/sagemaker-container.ts.
 */

export interface SageMakerPlayerOptions {
  s3: S3Client;
  /** Work folder root (`<data-dir>/sagemaker`); holds the registry and one folder per job. */
  workDir: string;
  container: ContainerCommand;
  progress?: Progress;
  /** Extra environment for the container (on top of this process's). */
  env?: Record<string, string>;
  /** Records per POST /invocations besides MaxPayloadInMB (finer progress); SageMaker itself only caps bytes. */
  maxRecordsPerRequest?: number;
  pingTimeoutMs?: number;
  /** Runs a job's work as the role SageMaker assumes for it (local/iam); default: as is. */
  actAs?: <T>(
    roleArn: string | undefined,
    work: () => Promise<T>,
    job?: { kind: 'TrainingJobs' | 'TransformJobs'; name: string; image?: string; volumeKey?: string },
  ) => Promise<T>;
}

type Described = Record<string, unknown>;

/** A SageMaker API error: `name` is the wire error code (`ValidationException`, `ResourceInUse`, …). */
export class SageMakerApiError extends Error {
  constructor(code: string, message: string) {
    super(message);
    this.name = code;
  }
}

/** Which process runs an InProgress job, so a job whose process died is not waited on forever. */
const OWNER_PID = 'LocalOwnerPid';

interface Registry {
  trainingJobs: Record<string, Described>;
  models: Record<string, Described>;
  transformJobs: Record<string, Described>;
}

const arn = (kind: string, name: string) => `arn:aws:sagemaker:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${kind}/${name}`;

const sageMakerError = (message: string, code: string) => new SageMakerApiError(code, message);

/** The error the optimized `sagemaker:` integrations give a Task for an API error. */
export function asTaskError(error: unknown): unknown {
  if (!(error instanceof SageMakerApiError)) return error;
  return new TaskError(
    'SageMaker.AmazonSageMakerException',
    `${error.message} (Service: AmazonSageMaker; Status Code: 400; Error Code: ${error.name}; Request ID: local)`,
    { cause: error },
  );
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

type JobKind = 'trainingJobs' | 'transformJobs';
const STATUS_FIELD: Record<JobKind, string> = {
  trainingJobs: 'TrainingJobStatus',
  transformJobs: 'TransformJobStatus',
};
const ACTIVE = new Set(['InProgress', 'Stopping']);

/** The fields of a job that ended without completing (training jobs also carry a SecondaryStatus). */
const endedAs = (kind: JobKind, status: 'Failed' | 'Stopped', failureReason?: string): Described => ({
  [STATUS_FIELD[kind]]: status,
  ...(kind === 'trainingJobs' ? { SecondaryStatus: status } : {}),
  ...(failureReason ? { FailureReason: failureReason } : {}),
  LastModifiedTime: new Date().toISOString(),
});

export class SageMakerPlayer {
  private readonly registryPath: string;
  private readonly progress: Progress;
  /** Jobs this process runs: settle() waits for them; stop*() kills their container. */
  private readonly running = new Map<string, RunningJob>();

  constructor(private readonly options: SageMakerPlayerOptions) {
    this.registryPath = join(options.workDir, 'registry.json');
    this.progress = options.progress ?? silentProgress;
    mkdirSync(options.workDir, { recursive: true });
  }

  /** Every job and model the player knows, as recorded in the data dir. */
  registry(): Registry {
    if (!existsSync(this.registryPath)) return { trainingJobs: {}, models: {}, transformJobs: {} };
    return JSON.parse(readFileSync(this.registryPath, 'utf8')) as Registry;
  }

  private save(mutate: (registry: Registry) => void): void {
    const registry = this.registry();
    mutate(registry);
    writeFileSync(this.registryPath, `${JSON.stringify(registry, null, 2)}\n`);
  }

  private update(kind: JobKind, name: string, fields: Described): Described {
    let updated: Described = {};
    this.save((r) => {
      updated = { ...r[kind][name], ...fields };
      if (!ACTIVE.has(String(updated[STATUS_FIELD[kind]]))) delete updated[OWNER_PID];
      r[kind][name] = updated;
    });
    return updated;
  }

  /** Waits for every job this process started (a job outlives its execution, as in SageMaker). */
  async settle(): Promise<void> {
    await Promise.all([...this.running.values()].map((job) => job.done));
  }

  /** Running jobs by name, for a "waiting for …" message. */
  runningJobs(): string[] {
    return [...this.running.keys()].map((key) => key.split('/')[1] ?? key);
  }

  /** SageMaker reads and writes a job's data with the role the job was given. */
  private actAs<T>(
    roleArn: unknown,
    job: { kind: 'TrainingJobs' | 'TransformJobs'; name: string; image?: string; volumeKey?: string },
    work: () => Promise<T>,
  ): Promise<T> {
    const role = typeof roleArn === 'string' ? roleArn : undefined;
    return this.options.actAs ? this.options.actAs(role, work, job) : work();
  }

  private start(kind: JobKind, name: string, run: (job: RunningJob) => Promise<Described>): void {
    const key = `${kind}/${name}`;
    const job: RunningJob = { done: Promise.resolve() };
    job.done = run(job)
      .then((fields) => {
        this.update(kind, name, fields);
      })
      .catch((error: Error) => {
        this.update(kind, name, job.stopping ? endedAs(kind, 'Stopped') : endedAs(kind, 'Failed', error.message));
      })
      .finally(() => {
        this.running.delete(key);
        this.progress.done();
      });
    this.running.set(key, job);
  }

  /**
   * A job's description. An InProgress job that no live process runs (its `recs` process was killed) is
   * marked Failed here, so a redrive starts a fresh one instead of waiting for ever.
   */
  private describeJob(kind: JobKind, name: string, notFound: string): Described {
    const found = this.registry()[kind][name];
    if (!found) throw sageMakerError(notFound, 'ValidationException');
    const owner = Number(found[OWNER_PID]);
    const orphaned =
      ACTIVE.has(String(found[STATUS_FIELD[kind]])) &&
      !this.running.has(`${kind}/${name}`) &&
      (owner === process.pid || !isAlive(owner));
    const described = orphaned
      ? this.update(
          kind,
          name,
          endedAs(kind, 'Failed', 'InternalServerError: the local process running this job exited before it finished'),
        )
      : found;
    const { [OWNER_PID]: _owner, ...visible } = described;
    return visible;
  }

  private stopJob(kind: JobKind, name: string, notFound: string): void {
    const status = String(this.describeJob(kind, name, notFound)[STATUS_FIELD[kind]]);
    if (status !== 'InProgress') {
      throw sageMakerError(
        `The job ${name} is ${status}; only an InProgress job can be stopped.`,
        'ValidationException',
      );
    }
    const job = this.running.get(`${kind}/${name}`);
    this.update(kind, name, { [STATUS_FIELD[kind]]: 'Stopping' });
    if (job) {
      job.stopping = true;
      job.child?.kill('SIGTERM');
    }
  }

  /** `CreateTrainingJob`: registers the job and starts it; poll `describeTrainingJob` for its end. */
  createTrainingJob(params: Described): { TrainingJobArn: string } {
    const name = String(params.TrainingJobName ?? '');
    if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name))
      throw sageMakerError(`Invalid TrainingJobName "${name}"`, 'ValidationException');
    if (this.registry().trainingJobs[name]) {
      throw sageMakerError(
        `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn('training-job', name)})`,
        'ResourceInUse',
      );
    }
    const started = new Date();
    const describe: Described = {
      ...params,
      TrainingJobArn: arn('training-job', name),
      TrainingJobStatus: 'InProgress',
      SecondaryStatus: 'Starting',
      CreationTime: started.toISOString(),
      TrainingStartTime: started.toISOString(),
      LastModifiedTime: started.toISOString(),
      [OWNER_PID]: process.pid,
    };
    this.save((r) => {
      r.trainingJobs[name] = describe;
    });
    this.start('trainingJobs', name, (job) =>
      this.actAs(
        params.RoleArn,
        {
          kind: 'TrainingJobs',
          name,
          image: pick(params, 'AlgorithmSpecification', 'TrainingImage'),
          volumeKey: pick(params, 'ResourceConfig', 'VolumeKmsKeyId'),
        },
        () =>
          runTrainingJob(name, params, started, job, {
            ...this.options,
            progress: this.progress,
            onTraining: () => this.update('trainingJobs', name, { SecondaryStatus: 'Training' }),
          }),
      ),
    );
    return { TrainingJobArn: String(describe.TrainingJobArn) };
  }

  describeTrainingJob(params: Described): Described {
    // What SageMaker answers for an unknown training job (not the ResourceNotFound its API model names).
    return this.describeJob('trainingJobs', String(params.TrainingJobName ?? ''), 'Requested resource not found.');
  }

  stopTrainingJob(params: Described): Described {
    this.stopJob('trainingJobs', String(params.TrainingJobName ?? ''), 'Requested resource not found.');
    return {};
  }

  /** `CreateModel`: records the model; a reused name is refused. */
  createModel(params: Described): { ModelArn: string } {
    const name = String(params.ModelName ?? '');
    if (!name) throw sageMakerError('ModelName is required', 'ValidationException');
    if (this.registry().models[name]) {
      throw sageMakerError(`Cannot create already existing model "${arn('model', name)}".`, 'ValidationException');
    }
    const model = { ...params, ModelArn: arn('model', name), CreationTime: new Date().toISOString() };
    this.save((r) => {
      r.models[name] = model;
    });
    return { ModelArn: model.ModelArn };
  }

  describeModel(params: Described): Described {
    const name = String(params.ModelName ?? '');
    const model = this.registry().models[name];
    if (!model) throw sageMakerError(`Could not find model "${arn('model', name)}".`, 'ValidationException');
    return model;
  }

  /** `CreateTransformJob`: registers the job and starts it; poll `describeTransformJob` for its end. */
  createTransformJob(params: Described): { TransformJobArn: string } {
    const name = String(params.TransformJobName ?? '');
    if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name))
      throw sageMakerError(`Invalid TransformJobName "${name}"`, 'ValidationException');
    const registry = this.registry();
    if (registry.transformJobs[name]) {
      throw sageMakerError(
        `Job name must be unique within an AWS account and region, and a job with this name already exists (${arn('transform-job', name)})`,
        'ResourceInUse',
      );
    }
    const model = registry.models[String(params.ModelName)];
    if (!model)
      throw sageMakerError(`Could not find model "${arn('model', String(params.ModelName))}".`, 'ValidationException');
    const started = new Date();
    const describe: Described = {
      ...params,
      TransformJobArn: arn('transform-job', name),
      TransformJobStatus: 'InProgress',
      CreationTime: started.toISOString(),
      TransformStartTime: started.toISOString(),
      LastModifiedTime: started.toISOString(),
      [OWNER_PID]: process.pid,
    };
    this.save((r) => {
      r.transformJobs[name] = describe;
    });
    this.start('transformJobs', name, (job) =>
      this.actAs(
        model.ExecutionRoleArn,
        {
          kind: 'TransformJobs',
          name,
          image: pick(model, 'PrimaryContainer', 'Image'),
          volumeKey: pick(params, 'TransformResources', 'VolumeKmsKeyId'),
        },
        () => runTransformJob(name, params, model, job, { ...this.options, progress: this.progress }),
      ),
    );
    return { TransformJobArn: String(describe.TransformJobArn) };
  }

  describeTransformJob(params: Described): Described {
    const name = String(params.TransformJobName ?? '');
    return this.describeJob('transformJobs', name, `Could not find requested job with name ${name}`);
  }

  stopTransformJob(params: Described): Described {
    const name = String(params.TransformJobName ?? '');
    this.stopJob('transformJobs', name, `Could not find requested job with name ${name}`);
    return {};
  }
}

/** `params[a][b]` when it is a string (a job's image or volume key, for the IAM check of what SageMaker does). */
function pick(params: Described, a: string, b: string): string | undefined {
  const inner = params[a] as Record<string, unknown> | undefined;
  return typeof inner?.[b] === 'string' ? inner[b] : undefined;
}
