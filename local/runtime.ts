import type { StoredRecommendation } from '../functions/_shared/dynamo-table.js';
import './polyfills.js';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { PGlite } from '@electric-sql/pglite';
import { StateMachine } from 'aws-local-stepfunctions';
import {
  type AslDefinition,
  type AslState,
  type Json,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  type LoadedPipeline,
  type LocalFunction,
  loadPipeline,
} from './asl-loader.js';
import { bindTasks, isDistributedMap, LambdaHost, type ResourceBinding, taskStates } from './bindings.js';
import { dataPaths, noLocalRunYet, prepareDataDir } from './data-dir.js';
import { type BatchRecord, type MapRunStore, runDistributedMap } from './distributed-map.js';
import { ExecutionNotRedrivableError, LocalSetupError, TaskError } from './errors.js';
import { FaultInjector, type FaultSpec, formatFault } from './faults.js';
import { type Progress, silentProgress } from './progress.js';
import { RedshiftDataEmulator } from './redshift/data-api.js';
import { startRedshiftDataServer } from './redshift/server.js';
import { makeLocalS3Client } from './s3-io.js';
import { startSageMakerApiServer } from './sagemaker-api.js';
import { asTaskError, type ContainerCommand, nodeContainer, SageMakerPlayer } from './sagemaker-player.js';
import { generateSample, loadSample, type SampleOptions } from './sample-data.js';
import { localAwsEnv } from './standins/aws-env.js';
import { startDynamo } from './standins/dynamodb.js';
import { type RunningStandIn, startS3 } from './standins/s3.js';
import { ensureRecommendationsTable } from './tables.js';

/**
 * The local runtime: stand-ins on loopback, the real ASL in aws-local-stepfunctions, Task states bound by
 * resource ARN, execution history in the data dir. `runLocalPipeline` is what `recs run` calls.
 */

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const STATE_MACHINE_NAME = 'show-recs-local-pipeline';
const DISTRIBUTED_MAP_RESOURCE = 'arn:aws:states:::local:distributedMap';
// aws-local-stepfunctions overwrites $$.Execution.StartTime with "now"; a redrive must keep the original.
const START_TIME_PATH = '$$.Execution.StartTime';
const RECORDED_START_TIME_PATH = '$$.Execution.RecordedStartTime';

export interface LocalStack {
  s3: S3Client;
  dynamo: DynamoDBClient;
  warehouse: PGlite;
  redshift: RedshiftDataEmulator;
  /** SageMaker played by our container's entry points; its jobs outlive the execution that started them. */
  sagemaker: SageMakerPlayer;
  endpoints: { s3: string; dynamodb: string; redshiftData: string; sagemaker: string };
  env: Record<string, string>;
  /** Waits for running SageMaker jobs, then stops every stand-in. */
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** How the player starts our container (default: model/main.ts under `root`, in a child Node). */
  container?: ContainerCommand;
  /** Project root (default: this project). */
  root?: string;
  progress?: Progress;
}

/**
 * Starts s3rver, dynalite, PGlite (+ the Data API emulation over HTTP) and the SageMaker API over the
 * player, with their state under `dataDir`.
 */
export async function startLocalStack(dataDir: string, options: LocalStackOptions = {}): Promise<LocalStack> {
  const paths = dataPaths(dataDir);
  const started: RunningStandIn[] = [];
  try {
    const s3Server = await startS3(paths.s3);
    started.push(s3Server);
    const dynamoServer = await startDynamo(paths.dynamodb);
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
    const redshift = new RedshiftDataEmulator(warehouse, s3);
    const dataApi = await startRedshiftDataServer(redshift);
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
    });
    const sagemakerApi = await startSageMakerApiServer(sagemaker);
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

export interface StateTiming {
  name: string;
  status: 'SUCCEEDED' | 'FAILED';
  seconds: number;
}

export interface ExecutionSummary {
  executionName: string;
  status: 'SUCCEEDED' | 'FAILED';
  failedState?: string;
  error?: string;
  viewers: number;
  shows: number;
  events: number;
  recommendationsWritten: number;
  metrics: { 'recall@10'?: number; 'ndcg@10'?: number; 'popularity.ndcg@10'?: number };
  durationSeconds: number;
  states: StateTiming[];
  runId?: string;
  sampleViewer?: SampleViewer;
  /** FAILED only: false when a Fail state ended it by decision (a redrive would only repeat it). */
  isRedrivable?: boolean;
}

export interface SampleViewer {
  viewerId: string;
  partners: string[];
  recommendations: Omit<StoredRecommendation, 'reason'>[];
}

interface HistoryEvent {
  type: string;
  timestamp: number;
  stateName?: string;
  stateType?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: unknown;
}

export interface ExecutionRecord {
  executionName: string;
  executionArn: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  input: Json;
  startTime: string;
  stopTime?: string;
  redriveCount: number;
  /** When the last redrive started. */
  redriveDate?: string;
  failedState?: string;
  /** The failure was a Task error (a redrive can restart that Task), not a decision such as ModelRejected. */
  redrivable?: boolean;
  error?: { Error: string; Cause: string };
  output?: Json;
  runId?: string;
}

const executionArn = (name: string) =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:execution:${STATE_MACHINE_NAME}:${name}`;

function defaultExecutionName(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `local-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Replaces paths the interpreter cannot serve faithfully and Distributed Maps (which it lacks) in a definition. */
export function localizeDefinition(
  definition: Pick<AslDefinition, 'States' | 'StartAt'>,
  distributedMaps: Map<string, AslState>,
): AslDefinition {
  const rewritten = JSON.parse(
    JSON.stringify(definition).replaceAll(START_TIME_PATH, () => RECORDED_START_TIME_PATH),
  ) as AslDefinition;
  for (const [name, state] of Object.entries(rewritten.States)) {
    if (!isDistributedMap(state)) continue;
    distributedMaps.set(name, state);
    const { Comment, InputPath, ResultSelector, ResultPath, OutputPath, Retry, Catch, Next, End } = state;
    rewritten.States[name] = Object.fromEntries(
      Object.entries({
        Type: 'Task',
        Resource: DISTRIBUTED_MAP_RESOURCE,
        Comment,
        InputPath,
        ResultSelector,
        ResultPath,
        OutputPath,
        Retry,
        Catch,
        Next,
        End,
        TimeoutSeconds: 86_400,
      }).filter(([, value]) => value !== undefined),
    ) as AslState;
  }
  return rewritten;
}

function stateNames(definition: Pick<AslDefinition, 'States'>, type?: string): string[] {
  return Object.entries(definition.States)
    .filter(
      ([, state]) => type === undefined || state.Type === type || (type === 'Retry' && Array.isArray(state.Retry)),
    )
    .map(([name]) => name);
}

/** What a session shares across executions: one set of stand-ins, one data dir, one process environment. */
export interface LocalSessionOptions {
  dataDir: string;
  root?: string;
  reset?: boolean;
  /** Loaded into an empty warehouse; without it an empty warehouse stays empty. */
  sample?: SampleOptions;
  /** One line per state and other human progress (stderr in the CLI). */
  log?: (line: string) => void;
  progress?: Progress;
  verbose?: boolean;
  container?: ContainerCommand;
  /** Milliseconds each Wait state pauses locally (default 200) and each retry waits (default 100). */
  waitMs?: number;
  retryMs?: number;
}

export interface StartExecutionOptions {
  executionName?: string;
  input?: Json;
  /** `recs run --fail-at`: a fault to inject (local/faults.ts). */
  failAt?: FaultSpec;
}

/**
 * Stand-ins started once for several executions. The Lambdas build their SDK clients once per process,
 * bound to the endpoints of the stand-ins they first saw, so every execution of a process must share them.
 */
export interface LocalSession {
  readonly dataDir: string;
  readonly stack: LocalStack;
  readonly pipeline: LoadedPipeline;
  start(options?: StartExecutionOptions): Promise<ExecutionSummary>;
  redrive(executionName: string): Promise<ExecutionSummary>;
  close(): Promise<void>;
}

/** Opens the data dir, starts the stand-ins, creates the bucket and table and (when empty) loads the sample. */
export async function openLocalSession(options: LocalSessionOptions): Promise<LocalSession> {
  const root = options.root ?? PROJECT_ROOT;
  const log = options.log ?? (() => undefined);
  const progress = options.progress ?? silentProgress;
  const dataDir = resolve(options.dataDir);
  const pipeline = loadPipeline({ root });
  prepareDataDir(dataDir, { reset: options.reset });
  const paths = dataPaths(dataDir);
  const stack = await startLocalStack(dataDir, { container: options.container, root, progress });
  try {
    Object.assign(process.env, stack.env, pipeline.environment, {
      POWERTOOLS_LOG_LEVEL: options.verbose ? 'INFO' : 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_DEV: 'false',
    });
    await stack.s3.send(new CreateBucketCommand({ Bucket: pipeline.names.bucketName })).catch((error: Error) => {
      if (!/BucketAlready/.test(error.name)) throw error;
    });
    await ensureRecommendationsTable(stack.dynamo, pipeline.names.tableName);
    await ensureWarehouse(stack.warehouse, root, options.sample, paths.sample, log, progress);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const base = {
    ...options,
    root,
    log,
    progress,
    statementsPath: join(dataDir, 'redshift-statements.json'),
  };
  return {
    dataDir,
    stack,
    pipeline,
    async start(start = {}) {
      const executionName = start.executionName ?? defaultExecutionName();
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(executionName)) {
        throw new LocalSetupError(`execution name "${executionName}" must be 1–80 characters of A-Z a-z 0-9 _ -`);
      }
      const executionDir = join(paths.executions, executionName);
      if (existsSync(executionDir)) {
        throw new LocalSetupError(
          `execution ${executionName} already exists in ${dataDir} (names are unique, as in Step Functions)`,
        );
      }
      mkdirSync(executionDir, { recursive: true });
      return execute(pipeline, stack, {
        ...base,
        executionName,
        executionDir,
        input: start.input ?? {},
        faults: new FaultInjector(start.failAt),
      });
    },
    async redrive(executionName) {
      const { record, failedState, input } = redrivePoint(dataDir, executionName);
      return execute(pipeline, stack, {
        ...base,
        executionName,
        executionDir: join(paths.executions, executionName),
        input,
        faults: new FaultInjector(),
        redrive: { record, startAt: failedState },
      });
    },
    async close() {
      const running = stack.sagemaker.runningJobs();
      if (running.length > 0) {
        log(`  waiting for SageMaker job ${running.join(', ')} to end (a job runs on after its execution, as in AWS)`);
      }
      await stack.stop();
    },
  };
}

export interface LocalRunOptions extends LocalSessionOptions, StartExecutionOptions {
  sample: SampleOptions;
}

/** Runs the whole pipeline locally and returns the summary `recs run --json` prints. */
export async function runLocalPipeline(options: LocalRunOptions): Promise<ExecutionSummary> {
  if (options.executionName !== undefined && !/^[A-Za-z0-9_-]{1,80}$/.test(options.executionName)) {
    throw new LocalSetupError(`execution name "${options.executionName}" must be 1–80 characters of A-Z a-z 0-9 _ -`);
  }
  const session = await openLocalSession(options);
  try {
    return await session.start(options);
  } finally {
    await session.close();
  }
}

/** `recs redrive`: continues a FAILED execution of the data dir; refuses anything else before starting stand-ins. */
export async function redriveLocalExecution(
  options: LocalSessionOptions & { executionName: string },
): Promise<ExecutionSummary> {
  redrivePoint(resolve(options.dataDir), options.executionName);
  const session = await openLocalSession(options);
  try {
    return await session.redrive(options.executionName);
  } finally {
    await session.close();
  }
}

/** Every execution recorded in the data dir, oldest first. */
export function listExecutions(dataDir: string): ExecutionRecord[] {
  const dir = dataPaths(resolve(dataDir)).executions;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => readExecutionRecord(dataDir, name))
    .filter((record): record is ExecutionRecord => record !== undefined)
    .sort((a, b) => a.startTime.localeCompare(b.startTime) || a.executionName.localeCompare(b.executionName));
}

export function readExecutionRecord(dataDir: string, executionName: string): ExecutionRecord | undefined {
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(executionName)) return undefined;
  const path = join(dataPaths(resolve(dataDir)).executions, executionName, 'execution.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ExecutionRecord;
  } catch {
    return undefined;
  }
}

/**
 * Where a redrive resumes: the Task (or Distributed Map) whose error ended the execution, with the input it
 * last entered with, as RedriveExecution restarts the unsuccessful step.
 */
function redrivePoint(
  dataDir: string,
  executionName: string,
): { record: ExecutionRecord; failedState: string; input: Json } {
  const record = readExecutionRecord(dataDir, executionName);
  if (!record) {
    throw new ExecutionNotRedrivableError(
      existsSync(dataPaths(dataDir).executions)
        ? `no execution named "${executionName}" in ${dataDir}: \`recs executions\` lists them`
        : noLocalRunYet(dataDir),
    );
  }
  if (record.status !== 'FAILED') {
    throw new ExecutionNotRedrivableError(
      `execution ${executionName} is ${record.status}; only a FAILED execution can be redriven`,
    );
  }
  const failedState = record.failedState;
  const historyPath = join(dataPaths(dataDir).executions, executionName, 'history.jsonl');
  let input: Json | undefined;
  if (failedState && existsSync(historyPath)) {
    for (const line of readFileSync(historyPath, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as HistoryEvent;
      if (event.type === 'StateEntered' && event.stateName === failedState) input = event.input as Json;
    }
  }
  if (!failedState || input === undefined || !record.redrivable) {
    throw new ExecutionNotRedrivableError(
      `execution ${executionName} failed at ${failedState ?? 'an unknown state'} by decision (${record.error?.Error ?? 'no error'}), not by a Task error; fix the cause and start a new execution`,
    );
  }
  return { record, failedState, input };
}

async function ensureWarehouse(
  db: PGlite,
  root: string,
  sample: SampleOptions | undefined,
  samplePath: string,
  log: (line: string) => void,
  progress: Progress,
): Promise<void> {
  for (const ddl of ['sql/schema.sql', 'sql/schema_report.sql']) await db.exec(readFileSync(join(root, ddl), 'utf8'));
  const { rows } = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM viewership_events');
  if ((rows[0]?.n ?? 0) > 0 || !sample) return;
  const started = performance.now();
  const data = generateSample(sample);
  await loadSample(db, data, (fraction) => progress.update('loading sample', fraction, `${data.events.length} events`));
  // PGlite runs no autovacuum: without statistics the planner nests loops and the UNLOADs take ~50× longer.
  await db.exec('ANALYZE');
  progress.done();
  writeFileSync(
    samplePath,
    `${JSON.stringify({ ...sample, events: data.events.length, loadedAt: new Date().toISOString() })}\n`,
  );
  log(
    `  loaded sample: ${sample.viewers} viewers, ${sample.shows} shows, ${data.events.length} events over ${sample.days} days (${((performance.now() - started) / 1000).toFixed(1)}s)`,
  );
}

interface ExecuteOptions extends LocalSessionOptions {
  root: string;
  executionName: string;
  executionDir: string;
  log: (line: string) => void;
  progress: Progress;
  input: Json;
  faults: FaultInjector;
  /** Finished Data API statements, kept across processes (local/runtime.ts describeStatementDurably). */
  statementsPath: string;
  /** Set for a redrive: the recorded execution and the state it resumes at. */
  redrive?: { record: ExecutionRecord; startAt: string };
}

async function execute(
  pipeline: LoadedPipeline,
  stack: LocalStack,
  options: ExecuteOptions,
): Promise<ExecutionSummary> {
  const { executionName, executionDir, log, faults } = options;
  const started = new Date();
  const arn = executionArn(executionName);
  const previous = options.redrive?.record;
  const redriveCount = previous ? previous.redriveCount + 1 : 0;
  const context = {
    Execution: {
      Id: arn,
      Name: executionName,
      RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/PipelineRole`,
      RedriveCount: redriveCount,
      // A redrive keeps the execution's start time (and so its run id), as RedriveExecution does.
      RecordedStartTime: previous?.startTime ?? started.toISOString(),
    },
    StateMachine: {
      Id: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${STATE_MACHINE_NAME}`,
      Name: STATE_MACHINE_NAME,
    },
  };
  const input = options.input;
  const record: ExecutionRecord = previous
    ? {
        executionName,
        executionArn: arn,
        status: 'RUNNING',
        input: previous.input,
        startTime: previous.startTime,
        redriveCount,
        redriveDate: started.toISOString(),
        ...(previous.runId ? { runId: previous.runId } : {}),
      }
    : {
        executionName,
        executionArn: arn,
        status: 'RUNNING',
        input,
        startTime: started.toISOString(),
        redriveCount,
      };
  const saveRecord = () => writeFileSync(join(executionDir, 'execution.json'), `${JSON.stringify(record, null, 2)}\n`);

  const lambdas = new LambdaHost(pipeline.functions);
  const mapStore = fileMapRunStore(join(executionDir, 'map-runs'));

  const sdk = (
    service: string,
    actions: Record<string, (params: Record<string, unknown>) => unknown>,
  ): ResourceBinding => ({
    matches: (resource) =>
      resource.startsWith(`arn:aws:states:::${service}:`) && (resource.split(':').at(-1) ?? '') in actions,
    handle: async (params, _name, state) => {
      const action = String(state.Resource).split(':').at(-1) as string;
      return (await actions[action]?.((params ?? {}) as Record<string, unknown>)) as Json;
    },
  });
  const redshift = sdk('aws-sdk:redshiftdata', {
    batchExecuteStatement: (p) => stack.redshift.batchExecuteStatement(p),
    executeStatement: (p) => stack.redshift.executeStatement(p),
    describeStatement: (p) => describeStatementDurably(stack.redshift, p, options.statementsPath),
    getStatementResult: (p) => stack.redshift.getStatementResult(p),
  });
  // Training and transform jobs are the sageMakerJob Lambda's (through the SDK); only createModel is an
  // optimized integration.
  const sagemaker = sdk('sagemaker', {
    createModel: (p) => {
      try {
        return stack.sagemaker.createModel(p);
      } catch (error) {
        throw asTaskError(error);
      }
    },
  });

  const waitOverrides = (definition: Pick<AslDefinition, 'States'>) => ({
    waitTimeOverrides: Object.fromEntries(stateNames(definition, 'Wait').map((name) => [name, options.waitMs ?? 200])),
    retryIntervalOverrides: Object.fromEntries(
      stateNames(definition, 'Retry').map((name) => [name, options.retryMs ?? 100]),
    ),
  });

  const distributedMaps = new Map<string, AslState>();
  const distributedMapBinding: ResourceBinding = {
    matches: (resource) => resource === DISTRIBUTED_MAP_RESOURCE,
    handle: async (mapInput, stateName) => {
      const state = distributedMaps.get(stateName);
      if (!state) throw new TaskError('States.Runtime', `no Distributed Map named ${stateName}`);
      const processor = state.ItemProcessor as unknown as AslDefinition;
      const childMaps = new Map<string, AslState>();
      const childDefinition = localizeDefinition({ StartAt: processor.StartAt, States: processor.States }, childMaps);
      for (const [name, child] of childMaps) distributedMaps.set(name, child);
      const childMachine = new StateMachine(childDefinition as never, { validationOptions: { checkArn: false } });
      const childOverrides = {
        taskResourceLocalHandlers: bindTasks(childDefinition, bindings, (name, child, handler) =>
          faults.wrap(name, child, handler),
        ),
        ...waitOverrides(childDefinition),
      };
      // The batch `--fail-at MAP:batch=B` names runs with every Task of that child failing.
      const faultyOverrides = (index: number) => ({
        ...childOverrides,
        taskResourceLocalHandlers: bindTasks(childDefinition, bindings, (name, child, handler) =>
          faults.wrapBatch(stateName, index, name, child, handler),
        ),
      });
      return runDistributedMap(mapInput, {
        stateName,
        state,
        s3: stack.s3,
        context,
        store: mapStore,
        reuseSucceeded: previous !== undefined,
        progress: options.progress,
        runChild: async (childInput, childContext) => {
          const index = Number(
            String((childContext.Execution as { Name?: string }).Name)
              .split('-')
              .at(-1),
          );
          const overrides = faults.targetsBatch(stateName, index) ? faultyOverrides(index) : childOverrides;
          return (await childMachine.run(childInput as never, {
            overrides: overrides as never,
            context: childContext as never,
          }).result) as Json;
        },
      });
    },
  };
  const bindings: ResourceBinding[] = [
    lambdas.invokeBinding,
    lambdas.directBinding,
    redshift,
    sagemaker,
    distributedMapBinding,
  ];

  const localized = localizeDefinition(pipeline.definition, distributedMaps);
  faults.check(
    [
      ...taskStates(localized).map(([name]) => name),
      ...[...distributedMaps.values()].flatMap((map) =>
        taskStates(map.ItemProcessor as unknown as AslDefinition).map(([name]) => name),
      ),
    ],
    [...distributedMaps.keys()],
  );
  // A redrive runs the same definition from the state that failed, with the input it entered with.
  const definition = options.redrive ? { ...localized, StartAt: options.redrive.startAt } : localized;
  // The redriven definition leaves the states before StartAt unreachable; the original run validated it.
  const machine = new StateMachine(definition as never, {
    validationOptions: options.redrive ? { noValidate: true } : { checkArn: false },
  });
  const overrides = {
    taskResourceLocalHandlers: bindTasks(definition, bindings, (name, state, handler) =>
      faults.wrap(name, state, handler),
    ),
    ...waitOverrides(definition),
  };

  saveRecord();
  if (previous) {
    appendFileSync(
      join(executionDir, 'history.jsonl'),
      `${JSON.stringify({ type: 'ExecutionRedriven', timestamp: started.getTime(), redriveCount, stateName: options.redrive?.startAt })}\n`,
    );
    log(`▶ ${executionName} (redrive ${redriveCount} from ${options.redrive?.startAt})`);
  } else {
    log(`▶ ${executionName}${faults.spec ? ` (--fail-at ${formatFault(faults.spec)})` : ''}`);
  }
  const execution = machine.run(input as never, { overrides: overrides as never, context: context as never });
  const timings = new Map<string, StateTiming>();
  const entered = new Map<string, number>();
  let lastOutput: Json | undefined;
  let failedState: string | undefined;
  let isTaskFailure = false;
  let lastFailure: { state: string; error: string; cause: string } | undefined;
  const historyPath = join(executionDir, 'history.jsonl');
  // Poll loops (WaitForTraining → TrainModel → …) print their first pass, then one line for the repeats.
  const exits = new Map<string, number>();
  let repeats: { first: string; passes: number; seconds: number } | undefined;
  const flushRepeats = () => {
    if (!repeats) return;
    const { first, passes, seconds } = repeats;
    log(
      `  ⋯ ${first.padEnd(22)} ${seconds.toFixed(1).padStart(6)}s  polled ${passes} more time${passes === 1 ? '' : 's'}`,
    );
    repeats = undefined;
  };
  const consume = (async () => {
    for await (const event of execution.eventLogs) {
      const e = event as unknown as {
        type: string;
        timestamp: number;
        state?: { name: string; type: string; input: unknown; output?: unknown };
        Error?: string;
        Cause?: unknown;
        input?: unknown;
        output?: unknown;
      };
      const entry: HistoryEvent = { type: e.type, timestamp: e.timestamp };
      if (e.state)
        Object.assign(entry, {
          stateName: e.state.name,
          stateType: e.state.type,
          input: e.state.input,
          output: e.state.output,
        });
      if (e.Error !== undefined)
        Object.assign(entry, { error: e.Error, cause: e.Cause instanceof Error ? e.Cause.message : e.Cause });
      if (e.type === 'ExecutionStarted') entry.input = e.input;
      if (e.type === 'ExecutionSucceeded') entry.output = e.output;
      appendFileSync(historyPath, `${JSON.stringify(entry)}\n`);
      const name = e.state?.name;
      if (!name) continue;
      if (e.type === 'StateEntered') entered.set(name, e.timestamp);
      const seconds = (e.timestamp - (entered.get(name) ?? e.timestamp)) / 1000;
      const timing = timings.get(name) ?? { name, status: 'SUCCEEDED' as const, seconds: 0 };
      if (e.type === 'StateExited') {
        timing.seconds += seconds;
        timings.set(name, timing);
        lastOutput = e.state?.output as Json;
        const pass = (exits.get(name) ?? 0) + 1;
        exits.set(name, pass);
        if (pass > 1) {
          repeats ??= { first: name, passes: 0, seconds: 0 };
          repeats.seconds += seconds;
          if (name === repeats.first) repeats.passes++;
        } else {
          flushRepeats();
          if (timing.status === 'SUCCEEDED') log(`  ✓ ${name.padEnd(22)} ${seconds.toFixed(1).padStart(6)}s`);
        }
      } else if (e.type === 'StateFailed') {
        flushRepeats();
        lastFailure = {
          state: name,
          error: e.Error ?? '',
          cause: e.Cause instanceof Error ? e.Cause.message : String(e.Cause ?? ''),
        };
      } else if (e.type === 'StateRetried') {
        log(`  ↻ ${name.padEnd(22)} retrying after ${lastFailure?.error ?? 'error'}`);
      } else if (e.type === 'StateCaught') {
        timing.status = 'FAILED';
        timings.set(name, timing);
        // The first caught failure is the run's; later ones happen on the failure path itself.
        if (failedState === undefined) {
          failedState = name;
          isTaskFailure = e.state?.type === 'Task';
        }
        log(
          `  ✗ ${name.padEnd(22)} ${seconds.toFixed(1).padStart(6)}s  ${lastFailure?.error ?? ''}: ${oneLine(lastFailure?.cause ?? '')}`,
        );
      }
    }
    flushRepeats();
  })();

  let status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED';
  let error: { Error: string; Cause: string } | undefined;
  let output: Json | undefined;
  try {
    output = (await execution.result) as Json;
  } catch (thrown) {
    status = 'FAILED';
    const cause = ((thrown as Error).cause ?? thrown) as Error;
    error = { Error: cause.name, Cause: cause.message };
  }
  await consume;
  // An uncaught failure: the failing state is the one whose error ended the execution.
  if (status === 'FAILED' && !failedState) {
    failedState = lastFailure?.state;
    isTaskFailure = failedState !== undefined && definition.States[failedState]?.Type === 'Task';
  }
  if (status === 'FAILED' && failedState) {
    const lastPass = (Date.now() - (entered.get(failedState) ?? Date.now())) / 1000;
    const earlier = timings.get(failedState);
    // A poll loop's state may have passed before its last pass failed: the row still says where the run failed.
    if (earlier?.status === 'SUCCEEDED')
      timings.set(failedState, { ...earlier, status: 'FAILED', seconds: earlier.seconds + lastPass });
    if (!earlier) timings.set(failedState, { name: failedState, status: 'FAILED', seconds: lastPass });
  }
  const finalState = (output ?? lastOutput ?? {}) as Record<string, Json>;
  const stopped = new Date();
  Object.assign(record, {
    status,
    stopTime: stopped.toISOString(),
    ...(failedState && status === 'FAILED' ? { failedState, redrivable: isTaskFailure } : {}),
    ...(error ? { error } : {}),
    ...(output !== undefined ? { output } : {}),
    ...(typeof (finalState.run as Record<string, Json> | undefined)?.runId === 'string'
      ? { runId: (finalState.run as Record<string, string>).runId }
      : {}),
  });
  saveRecord();
  if (status === 'FAILED') {
    await deliverStatusChange(lambdas, pipeline.functions, {
      executionArn: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:execution:show-recs-local-pipeline:${executionName}`,
      name: executionName,
      status,
      startDate: Date.parse(record.startTime),
      error: error?.Error ?? null,
      cause: error?.Cause ?? null,
    }).catch((failure: Error) => log(`  ! failure recording did not run: ${failure.message}`));
  }

  const counts = await warehouseCounts(stack.warehouse);
  const summary: ExecutionSummary = {
    executionName,
    status,
    ...(status === 'FAILED' && failedState ? { failedState, isRedrivable: isTaskFailure } : {}),
    ...(error ? { error: `${error.Error}: ${oneLine(failureReason(error.Cause))}` } : {}),
    ...counts,
    recommendationsWritten: recommendationsWritten(finalState),
    metrics: metricsOf(finalState),
    durationSeconds: round((stopped.getTime() - started.getTime()) / 1000),
    states: [...timings.values()].map((t) => ({ ...t, seconds: round(t.seconds) })),
    ...(record.runId ? { runId: record.runId } : {}),
  };
  if (status === 'SUCCEEDED' && record.runId) {
    const viewer = await sampleViewer(stack, pipeline.names.tableName, record.runId);
    if (viewer) summary.sampleViewer = viewer;
  }
  log(
    status === 'SUCCEEDED'
      ? `■ ${executionName} SUCCEEDED in ${summary.durationSeconds}s`
      : `■ ${executionName} FAILED at ${failedState ?? '?'}: ${summary.error ?? ''}`,
  );
  return summary;
}

/**
 * What the EventBridge rule on "Step Functions Execution Status Change" does in AWS: hands the event to each
 * function subscribed to that status (recordFailure), after the execution has ended.
 */
async function deliverStatusChange(
  lambdas: LambdaHost,
  functions: Record<string, LocalFunction>,
  detail: {
    executionArn: string;
    name: string;
    status: string;
    startDate: number;
    error: string | null;
    cause: string | null;
  },
): Promise<void> {
  for (const fn of Object.values(functions)) {
    if (!fn.executionStatusEvents?.includes(detail.status)) continue;
    await lambdas.invoke(fn.key, {
      version: '0',
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      time: new Date().toISOString(),
      detail,
    });
  }
}

/**
 * DescribeStatement that also answers for statements finished in an earlier process, as the real Data API
 * keeps them for 24 hours: a redrive that resumes at CheckUnload describes the original run's statement.
 */
function describeStatementDurably(
  redshift: RedshiftDataEmulator,
  params: Record<string, unknown>,
  path: string,
): Record<string, unknown> {
  const read = (): Record<string, Record<string, unknown>> => {
    try {
      return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
    } catch {
      return {};
    }
  };
  const id = String(params.Id ?? '');
  let described: Record<string, unknown>;
  try {
    described = redshift.describeStatement(params);
  } catch (error) {
    const recorded = read()[id];
    if (recorded) return recorded;
    throw error;
  }
  if (described.Status === 'FINISHED' || described.Status === 'FAILED' || described.Status === 'ABORTED') {
    writeFileSync(path, JSON.stringify({ ...read(), [id]: described }));
  }
  return described;
}

/** A .sync job failure's Cause is the whole job description; its FailureReason is what a person needs. */
function failureReason(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { FailureReason?: unknown; errorMessage?: unknown };
    if (typeof parsed.FailureReason === 'string') return parsed.FailureReason;
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the cause is the message
  }
  return cause;
}

const round = (value: number) => Math.round(value * 100) / 100;
const oneLine = (text: string) => text.replace(/\s+/g, ' ').slice(0, 300);

function fileMapRunStore(dir: string): MapRunStore {
  return {
    load: (id) => {
      const path = join(dir, `${id}.json`);
      return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as BatchRecord[]) : undefined;
    },
    save: (id, records) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${id}.json`), JSON.stringify(records));
    },
  };
}

async function warehouseCounts(db: PGlite): Promise<{ viewers: number; shows: number; events: number }> {
  const { rows } = await db.query<{ viewers: number; shows: number; events: number }>(
    `SELECT (SELECT COUNT(DISTINCT viewer_id)::int FROM identity_map) AS viewers,
            (SELECT COUNT(*)::int FROM shows) AS shows,
            (SELECT COUNT(*)::int FROM viewership_events) AS events`,
  );
  return rows[0] ?? { viewers: 0, shows: 0, events: 0 };
}

function recommendationsWritten(state: Record<string, Json>): number {
  for (const value of Object.values(state)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.written === 'number')
      return value.written;
  }
  return 0;
}

/** FinalMetricDataList (wherever the state keeps it) → the summary's metric names. */
function metricsOf(state: Record<string, Json>): ExecutionSummary['metrics'] {
  const metrics: ExecutionSummary['metrics'] = {};
  for (const value of Object.values(state)) {
    const list = value && typeof value === 'object' && !Array.isArray(value) ? value.metrics : undefined;
    if (!Array.isArray(list)) continue;
    for (const metric of list as { MetricName?: string; Value?: number }[]) {
      const name = String(metric.MetricName ?? '');
      if (typeof metric.Value !== 'number') continue;
      if (/popularity/i.test(name)) metrics['popularity.ndcg@10'] = metric.Value;
      else if (/ndcg/i.test(name)) metrics['ndcg@10'] = metric.Value;
      else if (/recall/i.test(name)) metrics['recall@10'] = metric.Value;
    }
  }
  return metrics;
}

async function sampleViewer(stack: LocalStack, tableName: string, runId: string): Promise<SampleViewer | undefined> {
  const { rows } = await stack.warehouse.query<{ viewer_id: string; partners: string }>(
    `SELECT viewer_id, STRING_AGG(DISTINCT partner, ',') AS partners
       FROM identity_map GROUP BY viewer_id ORDER BY COUNT(*) DESC, viewer_id LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return undefined;
  const item = await DynamoDBDocumentClient.from(stack.dynamo).send(
    new GetCommand({ TableName: tableName, Key: { viewerId: row.viewer_id, runId } }),
  );
  if (!item.Item) return undefined;
  const list = item.Item as { recommendations?: SampleViewer['recommendations'] };
  return { viewerId: row.viewer_id, partners: row.partners.split(','), recommendations: list.recommendations ?? [] };
}
