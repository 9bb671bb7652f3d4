import './polyfills.js';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import { experimentEnv } from '../functions/_shared/experiment.js';
import { type AslDefinition, type AslState, type Json, type LoadedPipeline, loadPipeline } from './asl-loader.js';
import { bindTasks, LambdaHost, type ResourceBinding, taskStates } from './bindings.js';
import { dataPaths, prepareDataDir } from './data-dir.js';
import { distributedMapBinding } from './distributed-map-binding.js';
import { LocalSetupError } from './errors.js';
import { ExecutionEventLog } from './event-log.js';
import {
  assertExecutionName,
  defaultExecutionName,
  type ExecutionRecord,
  executionArn,
  fileMapRunStore,
  redrivePoint,
  STATE_MACHINE_NAME,
  saveExecutionRecord,
} from './execution-store.js';
import { readLocalExperiment } from './experiment-file.js';
import { FaultInjector, type FaultSpec, formatFault } from './faults.js';
import { LocalIam } from './iam/local-iam.js';
import { denialRecorder, lambdaIdentity, startExecutionImplied } from './iam/runtime-iam.js';
import { localizeDefinition, stateNames } from './localize.js';
import { type Progress, silentProgress } from './progress.js';
import {
  type ExecutionSummary,
  failureReason,
  metricsOf,
  oneLine,
  recommendationsWritten,
  round,
  sampleViewer,
  warehouseCounts,
} from './run-summary.js';
import type { ContainerCommand } from './sagemaker-container.js';
import type { SampleOptions } from './sample-data.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './serverless-refs.js';
import { serviceBindings } from './service-bindings.js';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from './stack.js';
import { deliverStatusChange } from './status-change.js';
import { ensureRecommendationsTable } from './tables.js';
import { ensureWarehouse } from './warehouse.js';

/**
 * The local runtime: the real ASL in aws-local-stepfunctions against the stack of stand-ins (local/stack.ts),
 * Task states bound by resource ARN, executions kept in the data dir (local/execution-store.ts) with their
 * event log (local/event-log.ts). `runLocalPipeline` is what `recs run` calls; it returns local/run-summary.ts.
 */

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
  /** Enforce the stack's IAM policies (default true); `--no-iam` turns it off. */
  iam?: boolean;
}

export interface StartExecutionOptions {
  executionName?: string;
  input?: Json;
  /** `recs run --fail-at`: a fault to inject (local/faults.ts). */
  failAt?: FaultSpec;
  /**
   * The execution's start time, which names its run (to the second); default now. Tests set it so executions get
   * distinct, ordered run ids without waiting for the clock.
   */
  startTime?: Date;
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
  // Read afresh from serverless.yml and resources/ each session: what they say now is what this run allows.
  const iam = options.iam === false ? undefined : await LocalIam.load({ root });
  if (!iam) log("  ⚠ IAM enforcement is off (--no-iam): calls are not checked against the stack's policies");
  const stack = await startLocalStack(dataDir, { container: options.container, root, progress, iam });
  try {
    // The local stage's experiment (`recs experiment`) stands in for serverless.yml's experiment* stage params.
    Object.assign(process.env, stack.env, pipeline.environment, experimentEnv(readLocalExperiment(dataDir)), {
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
      assertExecutionName(executionName);
      const executionDir = join(paths.executions, executionName);
      if (existsSync(executionDir)) {
        throw new LocalSetupError(
          `execution ${executionName} already exists in ${dataDir} (names are unique, as in Step Functions)`,
        );
      }
      // Before anything is recorded: a state machine whose role AWS would refuse could not have been deployed.
      if (stack.iam) await startExecutionImplied(stack.iam);
      mkdirSync(executionDir, { recursive: true });
      return execute(pipeline, stack, {
        ...base,
        executionName,
        executionDir,
        input: start.input ?? {},
        faults: new FaultInjector(start.failAt),
        ...(start.startTime ? { startTime: start.startTime } : {}),
      });
    },
    async redrive(executionName) {
      const { record, failedState, input } = redrivePoint(dataDir, executionName);
      if (stack.iam) await startExecutionImplied(stack.iam);
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
  if (options.executionName !== undefined) assertExecutionName(options.executionName);
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

interface ExecuteOptions extends LocalSessionOptions {
  root: string;
  executionName: string;
  executionDir: string;
  log: (line: string) => void;
  progress: Progress;
  input: Json;
  faults: FaultInjector;
  /** Finished Data API statements, kept across processes (local/redshift/durable-describe.ts). */
  statementsPath: string;
  /** Set for a redrive: the recorded execution and the state it resumes at. */
  redrive?: { record: ExecutionRecord; startAt: string };
  startTime?: Date;
}

async function execute(
  pipeline: LoadedPipeline,
  stack: LocalStack,
  options: ExecuteOptions,
): Promise<ExecutionSummary> {
  const { executionName, executionDir, log, faults } = options;
  const started = options.startTime ?? new Date();
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
  const saveRecord = () => saveExecutionRecord(executionDir, record);

  const lambdas = new LambdaHost(pipeline.functions, stack.iam ? lambdaIdentity(stack.iam) : {});
  const denials = denialRecorder(stack.iam);
  const mapStore = fileMapRunStore(join(executionDir, 'map-runs'));

  // Training and transform jobs are the sageMakerJob Lambda's (through the SDK); only createModel is an
  // optimized integration, and the Data API polling runs through the SDK integration.
  const services = serviceBindings(stack, options.statementsPath);

  const waitOverrides = (definition: Pick<AslDefinition, 'States'>) => ({
    waitTimeOverrides: Object.fromEntries(stateNames(definition, 'Wait').map((name) => [name, options.waitMs ?? 200])),
    retryIntervalOverrides: Object.fromEntries(
      stateNames(definition, 'Retry').map((name) => [name, options.retryMs ?? 100]),
    ),
  });

  const distributedMaps = new Map<string, AslState>();
  const mapBinding = distributedMapBinding({
    stack,
    faults,
    context,
    store: mapStore,
    redriven: previous !== undefined,
    ...(options.progress ? { progress: options.progress } : {}),
    maps: distributedMaps,
    bindings: () => bindings,
    waitOverrides,
  });
  const bindings: ResourceBinding[] = [lambdas.invokeBinding, lambdas.directBinding, ...services, mapBinding];

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
  const events = new ExecutionEventLog(join(executionDir, 'history.jsonl'), log);
  if (previous) {
    events.redriven(started.getTime(), redriveCount, options.redrive?.startAt);
    log(`▶ ${executionName} (redrive ${redriveCount} from ${options.redrive?.startAt})`);
  } else {
    log(`▶ ${executionName}${faults.spec ? ` (--fail-at ${formatFault(faults.spec)})` : ''}`);
  }
  const execution = machine.run(input as never, { overrides: overrides as never, context: context as never });
  const consume = events.follow(execution.eventLogs);

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
  denials.stop();
  if (status === 'FAILED') events.settleFailure(definition, Date.now());
  const { failedState, isTaskFailure } = events;
  const finalState = (output ?? events.lastOutput ?? {}) as Record<string, Json>;
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
      executionArn: arn,
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
    ...(status === 'FAILED' && denials.line() ? { accessDenied: denials.line() } : {}),
    ...counts,
    recommendationsWritten: recommendationsWritten(finalState),
    metrics: metricsOf(finalState),
    durationSeconds: round((stopped.getTime() - started.getTime()) / 1000),
    states: [...events.timings.values()].map((t) => ({ ...t, seconds: round(t.seconds) })),
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
  if (summary.accessDenied) log(`  ⛔ ${summary.accessDenied}`);
  for (const warning of denials.warnings()) log(`  ⚠ ${warning}`);
  return summary;
}
