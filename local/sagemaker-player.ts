import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import * as tar from 'tar';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './asl-loader.js';
import { TaskError } from './errors.js';
import { type Progress, silentProgress } from './progress.js';
import { getBytes, getText, listAll, parseS3Uri, putObject } from './s3-io.js';

/**
 * SageMaker played locally: training and transform jobs run the container's `train` / `serve` entry points as
 * child processes with `/opt/ml` mapped to a work folder. As in SageMaker, Create* starts a job and returns at
 * once, the job runs on (even after the execution that started it failed), and Describe* reports its status.
 * Jobs are kept in a registry in the data dir, so a reused name is refused as SageMaker refuses it, and a
 * redrive (possibly in a later process) can see what already ran. The API shape is served over HTTP by
 * local/sagemaker-api.ts, which is what the pipeline's SDK client talks to.
 */

/** How to start the container for a mode (`train` or `serve`). */
export type ContainerCommand = (mode: 'train' | 'serve') => { command: string; args: string[] };

export const nodeContainer =
  (projectRoot: string): ContainerCommand =>
  (mode) => ({
    command: process.execPath,
    args: ['--import', 'tsx', join(projectRoot, 'model/main.ts'), mode],
  });

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

const joinUri = (base: string, path: string) => `${base.replace(/\/+$/, '')}/${path}`;

type JobKind = 'trainingJobs' | 'transformJobs';
/** A job this process runs: its container, once started, and whether StopXJob asked it to end. */
interface RunningJob {
  done: Promise<void>;
  child?: ChildProcess;
  stopping?: boolean;
}
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
    this.start('trainingJobs', name, (job) => this.train(name, params, started, job));
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

  private async train(name: string, params: Described, started: Date, job: RunningJob): Promise<Described> {
    const work = join(this.options.workDir, 'training', name);
    rmSync(work, { recursive: true, force: true });
    const algorithm = (params.AlgorithmSpecification ?? {}) as Described;
    const channels = (params.InputDataConfig ?? []) as Described[];
    this.progress.update(`training ${name}`, undefined, 'downloading input');
    for (const channel of channels) {
      const channelName = String(channel.ChannelName);
      const source = ((channel.DataSource as Described | undefined)?.S3DataSource ?? {}) as Described;
      const { bucket, key: prefix } = parseS3Uri(String(source.S3Uri));
      const target = join(work, 'input/data', channelName);
      mkdirSync(target, { recursive: true });
      for (const object of await listAll(this.options.s3, bucket, prefix)) {
        const path = join(target, relative(prefix.endsWith('/') ? prefix : dirname(prefix), object.Key) || 'data');
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, await getBytes(this.options.s3, bucket, object.Key));
      }
    }
    mkdirSync(join(work, 'input/config'), { recursive: true });
    mkdirSync(join(work, 'model'), { recursive: true });
    mkdirSync(join(work, 'output/data'), { recursive: true });
    writeFileSync(join(work, 'input/config/hyperparameters.json'), JSON.stringify(params.HyperParameters ?? {}));
    writeFileSync(
      join(work, 'input/config/inputdataconfig.json'),
      JSON.stringify(
        Object.fromEntries(
          channels.map((c) => [c.ChannelName, { ContentType: c.ContentType ?? 'application/jsonlines' }]),
        ),
      ),
    );
    writeFileSync(
      join(work, 'input/config/resourceconfig.json'),
      JSON.stringify({ current_host: 'algo-1', hosts: ['algo-1'] }),
    );
    this.update('trainingJobs', name, { SecondaryStatus: 'Training' });

    const definitions = (algorithm.MetricDefinitions ?? []) as { Name: string; Regex: string }[];
    const metrics = new Map<string, number>();
    const { code, logTail } = await this.runContainer(
      'train',
      work,
      (params.Environment ?? {}) as Record<string, string>,
      job,
      (line) => {
        for (const definition of definitions) {
          const match = new RegExp(definition.Regex).exec(line);
          if (match?.[1] !== undefined && Number.isFinite(Number(match[1])))
            metrics.set(definition.Name, Number(match[1]));
        }
        this.progress.update(`training ${name}`, undefined, line.slice(0, 60));
      },
    );
    if (code !== 0) {
      const failurePath = join(work, 'output/failure');
      const reason = existsSync(failurePath) ? readFileSync(failurePath, 'utf8').trim() : logTail;
      throw new Error(`AlgorithmError: ${reason || `train exited with code ${code}`}`);
    }
    const files = readdirSync(join(work, 'model'));
    const archive = join(work, 'output/model.tar.gz');
    await tar.c({ gzip: true, cwd: join(work, 'model'), file: archive, portable: true }, files);
    const modelUri = joinUri(
      String((params.OutputDataConfig as Described | undefined)?.S3OutputPath ?? ''),
      `${name}/output/model.tar.gz`,
    );
    const target = parseS3Uri(modelUri);
    await putObject(this.options.s3, target.bucket, target.key, readFileSync(archive));
    const ended = new Date();
    const seconds = Math.max(1, Math.round((ended.getTime() - started.getTime()) / 1000));
    return {
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      ModelArtifacts: { S3ModelArtifacts: modelUri },
      FinalMetricDataList: [...metrics].map(([MetricName, Value]) => ({
        MetricName,
        Value,
        Timestamp: ended.toISOString(),
      })),
      TrainingEndTime: ended.toISOString(),
      LastModifiedTime: ended.toISOString(),
      TrainingTimeInSeconds: seconds,
      BillableTimeInSeconds: seconds,
    };
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
    this.start('transformJobs', name, (job) => this.transform(name, params, model, job));
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

  /** Runs `serve` and streams every input object through /invocations. */
  private async transform(name: string, params: Described, model: Described, job: RunningJob): Promise<Described> {
    const work = join(this.options.workDir, 'transform', name);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(join(work, 'model'), { recursive: true });
    try {
      const container = (model.PrimaryContainer ?? {}) as Described;
      const modelUri = parseS3Uri(String(container.ModelDataUrl));
      const archive = join(work, 'model.tar.gz');
      writeFileSync(archive, await getBytes(this.options.s3, modelUri.bucket, modelUri.key));
      await tar.x({ file: archive, cwd: join(work, 'model') });

      const input = (params.TransformInput ?? {}) as Described;
      const output = (params.TransformOutput ?? {}) as Described;
      const source = ((input.DataSource as Described | undefined)?.S3DataSource ?? {}) as Described;
      const { bucket, key: prefix } = parseS3Uri(String(source.S3Uri));
      const objects = (await listAll(this.options.s3, bucket, prefix)).filter((o) => !o.Key.endsWith('/'));
      const maxPayloadBytes = Number(params.MaxPayloadInMB ?? 6) * 1024 * 1024;
      const maxRecords = params.BatchStrategy === 'SingleRecord' ? 1 : (this.options.maxRecordsPerRequest ?? 1000);
      const concurrency = Math.max(1, Number(params.MaxConcurrentTransforms ?? 1));
      // ModelClientConfig, with SageMaker's defaults: each invocation times out and is retried as configured.
      const client = (params.ModelClientConfig ?? {}) as Described;
      const invocation = {
        timeoutMs: Number(client.InvocationsTimeoutInSeconds ?? 600) * 1000,
        maxRetries: Number(client.InvocationsMaxRetries ?? 3),
      };
      const contentType = String(input.ContentType ?? 'application/jsonlines');
      const accept = String(output.Accept ?? contentType);
      const assemble = output.AssembleWith === 'Line' ? '\n' : '';

      const port = await freePort();
      const env = {
        ...((container.Environment ?? {}) as Record<string, string>),
        ...((params.Environment ?? {}) as Record<string, string>),
        SAGEMAKER_BIND_TO_PORT: String(port),
        SAGEMAKER_BATCH: 'true',
        SAGEMAKER_MAX_PAYLOAD_IN_MB: String(params.MaxPayloadInMB ?? 6),
        SAGEMAKER_BATCH_STRATEGY: String(params.BatchStrategy ?? 'MultiRecord'),
        SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: String(concurrency),
      };
      const served = this.startContainer('serve', work, env);
      job.child = served.child;
      if (job.stopping) served.child.kill('SIGTERM');
      await waitForPing(port, served.exited, this.options.pingTimeoutMs ?? 120_000);

      const texts = await Promise.all(objects.map((o) => getText(this.options.s3, bucket, o.Key)));
      const batchesPerObject = texts.map((text) =>
        miniBatches(splitRecords(text, input.SplitType), maxPayloadBytes, maxRecords),
      );
      const total = batchesPerObject.reduce((sum, batches) => sum + batches.length, 0);
      let done = 0;
      for (const [index, object] of objects.entries()) {
        const batches = batchesPerObject[index] ?? [];
        const answers: string[] = new Array(batches.length);
        let next = 0;
        const worker = async () => {
          while (next < batches.length) {
            const mine = next++;
            answers[mine] = await invoke(port, batches[mine] ?? [], contentType, accept, assemble, invocation);
            done++;
            this.progress.update(`transform ${name}`, total ? done / total : 1, `${done}/${total} requests`);
          }
        };
        await Promise.race([
          Promise.all(Array.from({ length: concurrency }, worker)),
          served.exited.then(containerDied),
        ]);
        const relativeKey =
          prefix.endsWith('/') || prefix === '' ? object.Key.slice(prefix.length) : object.Key.split('/').at(-1);
        const outUri = parseS3Uri(joinUri(String(output.S3OutputPath), `${relativeKey}.out`));
        const body = answers.filter((a) => a.length > 0).join(assemble);
        await putObject(
          this.options.s3,
          outUri.bucket,
          outUri.key,
          body && assemble && !body.endsWith(assemble) ? `${body}${assemble}` : body,
        );
      }
      const ended = new Date();
      return {
        TransformJobStatus: 'Completed',
        TransformEndTime: ended.toISOString(),
        LastModifiedTime: ended.toISOString(),
      };
    } catch (error) {
      throw new Error(`ClientError: ${(error as Error).message}`, { cause: error });
    } finally {
      job.child?.kill('SIGTERM');
    }
  }

  private childEnv(work: string, env: Record<string, string>): NodeJS.ProcessEnv {
    return { ...process.env, ...this.options.env, ...env, SM_OPT_ML_ROOT: work };
  }

  private startContainer(mode: 'serve', work: string, env: Record<string, string>) {
    const { command, args } = this.options.container(mode);
    const child = spawn(command, args, { env: this.childEnv(work, env), stdio: ['ignore', 'pipe', 'pipe'] });
    const logs: string[] = [];
    const keep = (chunk: Buffer) => {
      logs.push(chunk.toString());
      if (logs.length > 50) logs.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<string>((resolve) => {
      child.on('exit', (code) => resolve(`serve exited with code ${code}: ${logs.join('').slice(-500)}`));
      child.on('error', (error) => resolve(`serve could not start: ${error.message}`));
    });
    return { child, exited };
  }

  private runContainer(
    mode: 'train',
    work: string,
    env: Record<string, string>,
    job: RunningJob,
    onLine: (line: string) => void,
  ): Promise<{ code: number; logTail: string }> {
    const { command, args } = this.options.container(mode);
    const child = spawn(command, args, { env: this.childEnv(work, env), stdio: ['ignore', 'pipe', 'pipe'] });
    job.child = child;
    // Stopped while it was still downloading its input: end as soon as it starts.
    if (job.stopping) child.kill('SIGTERM');
    const tail: string[] = [];
    const log: string[] = [];
    const lines = (chunk: Buffer, buffer: { rest: string }) => {
      const text = buffer.rest + chunk.toString();
      const parts = text.split('\n');
      buffer.rest = parts.pop() ?? '';
      for (const line of parts) {
        log.push(line);
        tail.push(line);
        if (tail.length > 20) tail.shift();
        onLine(line);
      }
    };
    const out = { rest: '' };
    const err = { rest: '' };
    child.stdout?.on('data', (chunk: Buffer) => lines(chunk, out));
    child.stderr?.on('data', (chunk: Buffer) => lines(chunk, err));
    return new Promise((resolve) => {
      child.on('error', (error) => resolve({ code: -1, logTail: error.message }));
      child.on('close', (code) => {
        for (const rest of [out.rest, err.rest]) if (rest) lines(Buffer.from('\n'), { rest });
        writeFileSync(join(work, 'output/logs.txt'), `${log.join('\n')}\n`);
        resolve({ code: code ?? -1, logTail: tail.slice(-5).join(' | ') });
      });
    });
  }
}

function containerDied(message: string): never {
  throw new Error(message);
}

function splitRecords(text: string, splitType: unknown): string[] {
  if (splitType !== 'Line') return text.length ? [text] : [];
  return text.split('\n').filter((line) => line.trim().length > 0);
}

/** MultiRecord batching: as many records as fit the payload limit (and the local record cap). */
export function miniBatches(records: readonly string[], maxPayloadBytes: number, maxRecords: number): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = Buffer.byteLength(record) + 1;
    if (current.length > 0 && (bytes + size > maxPayloadBytes || current.length >= maxRecords)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** One mini-batch through /invocations, timed out and retried as the job's ModelClientConfig says. */
async function invoke(
  port: number,
  records: string[],
  contentType: string,
  accept: string,
  assemble: string,
  client: { timeoutMs: number; maxRetries: number },
): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/invocations`, {
        method: 'POST',
        headers: { 'content-type': contentType, accept },
        body: records.join(assemble || '\n'),
        signal: AbortSignal.timeout(client.timeoutMs),
      });
      const body = await response.text();
      if (!response.ok) throw new Error(`/invocations answered ${response.status}: ${body.slice(0, 300)}`);
      return body.replace(/\n+$/, '');
    } catch (error) {
      if (attempt >= client.maxRetries) {
        const isTimeout = error instanceof Error && error.name === 'TimeoutError';
        throw isTimeout
          ? new Error(`/invocations did not answer within ${client.timeoutMs / 1000} s (InvocationsTimeoutInSeconds)`)
          : error;
      }
    }
  }
}

async function waitForPing(port: number, exited: Promise<string>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead: string | undefined;
  void exited.then((message) => {
    dead = message;
  });
  while (Date.now() < deadline) {
    if (dead) throw new Error(dead);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/ping`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`serve did not answer GET /ping within ${timeoutMs} ms`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
