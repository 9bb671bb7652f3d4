import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LocalSetupError } from './errors.js';
import type { PipelineSizing } from './pipeline-sizing.js';

/**
 * `recs plan`: how long each costly stage of one run takes, what memory it needs and what it costs, for a number of
 * viewers and shows, on the instance types, counts and fan-out concurrency the pipeline is configured with. Every
 * rate comes from a recorded benchmark (bench/figures.json, or fresh bench output) and every price from the dated
 * table in docs/prices.json; the few figures no local bench can measure (Redshift's UNLOAD rate, job start-up) are
 * named assumptions in that table and printed as such.
 */

const Instance = z.object({ vcpus: z.number().positive(), memoryGiB: z.number().positive(), usdPerHour: z.number() });
export const Prices = z.object({
  asOf: z.string(),
  region: z.string(),
  sources: z.record(z.string(), z.string()),
  sagemakerInstances: z.record(z.string(), Instance),
  dynamodb: z.object({ usdPerMillionWriteUnits: z.number(), usdPerGbMonth: z.number() }),
  lambda: z.object({ usdPerGbSecondArm: z.number(), usdPerMillionRequests: z.number() }),
  redshiftServerless: z.object({ usdPerRpuHour: z.number(), baseRpus: z.number(), minimumChargeSeconds: z.number() }),
  assumptions: z.object({
    unloadMbPerSecond: z.number().positive(),
    unloadBytesPerViewershipRow: z.number().positive(),
    trainingStartupSeconds: z.number().min(0),
    transformStartupSeconds: z.number().min(0),
  }),
});
export type Prices = z.infer<typeof Prices>;

/** The fields of a `recs bench transform` line the plan uses. */
export const TransformFigure = z.object({
  bench: z.literal('transform'),
  shows: z.number().positive(),
  modelViewers: z.number().positive(),
  cpuMsPerViewer: z.number().positive(),
  idleRssBytes: z.number().positive(),
  peakRssBytes: z.number().positive(),
  responseBytesPerViewer: z.number().positive(),
});
/** The fields of a `recs bench model` line the plan uses (an iALS case at the default hyperparameters). */
export const TrainingFigure = z.object({
  bench: z.string().startsWith('model.'),
  model: z.string(),
  items: z.number().positive(),
  interactions: z.number().positive(),
  trainCpuSeconds: z.number().positive(),
  peakRssMb: z.number().positive(),
});
/** The fields of a `recs bench fanout` line the plan uses. */
export const FanoutFigure = z.object({ bench: z.literal('fanout'), writerCpuUsPerItem: z.number().positive() });

const Recorded = <T extends z.ZodType>(result: T) => z.object({ command: z.string(), measuredAt: z.string(), result });
export const Figures = z.object({
  /** Two runs with different model sizes: serving memory = base + bytes per model viewer (first is the rate). */
  transform: z.tuple([Recorded(TransformFigure), Recorded(TransformFigure)]),
  /** Two iALS cases with different interaction counts: memory = base + bytes per interaction (last is the rate). */
  training: z.tuple([Recorded(TrainingFigure), Recorded(TrainingFigure)]),
  fanout: Recorded(FanoutFigure),
});
export type Figures = z.infer<typeof Figures>;

export interface PlanInput {
  readonly viewers: number;
  readonly shows: number;
  readonly interactionsPerViewer: number;
  /** Sustained on-demand write units per second the table gives (a new table ~4,000; warm throughput raises it). */
  readonly tableWriteUnitsPerSecond: number;
}

export interface StagePlan {
  readonly stage: 'unload' | 'training' | 'transform' | 'fanout';
  /** Where it runs, in words: instance type × count, writers, RPUs. */
  readonly runsOn: string;
  readonly seconds: number;
  readonly memoryNeedBytes?: number;
  readonly memoryHasBytes?: number;
  readonly costUsd: number;
  /** Where the rate comes from: a bench command with its date, or an assumption. */
  readonly basis: string;
}

export interface Plan {
  readonly viewers: number;
  readonly shows: number;
  readonly interactions: number;
  readonly region: string;
  readonly pricesAsOf: string;
  readonly stages: readonly StagePlan[];
  readonly totalSeconds: number;
  readonly totalCostUsd: number;
  /** Configured sizing that will not hold at this scale, and what to change. */
  readonly warnings: readonly string[];
}

/** Training threads: the model uses at most two (model/models.ts defaultThreads), whatever the instance has. */
const TRAINING_THREADS_CAP = 2;
/** Bytes a stored row adds to the answer line (runId, modelVersion, updatedAt, ttl, attribute names). */
const ROW_OVERHEAD_BYTES = 120;
/** Target share of the table's write throughput: the rest absorbs partition skew and retries. */
const TABLE_TARGET_SHARE = 0.8;
/** Transform input bytes per viewer: `{"viewer_id":"…"}` with a 36-character id and a newline. */
const INPUT_BYTES_PER_VIEWER = 53;
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

const instanceOf = (prices: Prices, type: string) => {
  const found = prices.sagemakerInstances[type];
  if (!found) throw new LocalSetupError(`docs/prices.json has no price for instance type ${type}`);
  return found;
};
const recorded = (r: { command: string; measuredAt: string }) => `\`${r.command}\` (${r.measuredAt})`;

/** The plan for one run; pure, so tests give it figures and prices of their own. */
export function planRun(input: PlanInput, sizing: PipelineSizing, figures: Figures, prices: Prices): Plan {
  const interactions = input.viewers * input.interactionsPerViewer;
  const warnings: string[] = [];
  const a = prices.assumptions;

  // UNLOAD: bytes written to S3 at an assumed rate; Serverless bills the base RPUs for at least a minute.
  const unloadBytes =
    interactions * a.unloadBytesPerViewershipRow +
    input.viewers * (INPUT_BYTES_PER_VIEWER + 2 * 60) +
    input.shows * 400;
  const unloadSeconds = unloadBytes / (a.unloadMbPerSecond * MIB);
  const rs = prices.redshiftServerless;
  const unload: StagePlan = {
    stage: 'unload',
    runsOn: `Redshift Serverless, ${rs.baseRpus} RPU base`,
    seconds: unloadSeconds,
    costUsd: (rs.baseRpus * Math.max(unloadSeconds, rs.minimumChargeSeconds) * rs.usdPerRpuHour) / 3600,
    basis: `assumed ${a.unloadMbPerSecond} MB/s over ${(unloadBytes / 1e9).toFixed(1)} GB (not measured: no Redshift here)`,
  };

  // Training: CPU time linear in interactions (measured 1M → 10M: 9.4× for 10×), on at most two threads.
  const [smallTrain, largeTrain] = figures.training;
  const cpuPerInteraction = largeTrain.result.trainCpuSeconds / largeTrain.result.interactions;
  const trainInstance = instanceOf(prices, sizing.training.InstanceType);
  const trainThreads = Math.min(TRAINING_THREADS_CAP, trainInstance.vcpus);
  const trainSeconds = (cpuPerInteraction * interactions) / trainThreads;
  const trainBytesPerInteraction =
    ((largeTrain.result.peakRssMb - smallTrain.result.peakRssMb) * 1e6) /
    (largeTrain.result.interactions - smallTrain.result.interactions);
  const trainBaseBytes = smallTrain.result.peakRssMb * 1e6 - trainBytesPerInteraction * smallTrain.result.interactions;
  const trainMemory = trainBaseBytes + trainBytesPerInteraction * interactions;
  const training: StagePlan = {
    stage: 'training',
    runsOn: `${sizing.training.InstanceCount} × ${sizing.training.InstanceType} (${trainThreads} threads)`,
    seconds: trainSeconds + a.trainingStartupSeconds,
    memoryNeedBytes: trainMemory,
    memoryHasBytes: trainInstance.memoryGiB * GIB,
    costUsd:
      (sizing.training.InstanceCount * (trainSeconds + a.trainingStartupSeconds) * trainInstance.usdPerHour) / 3600,
    basis: `${(cpuPerInteraction * 1e6).toFixed(1)} CPU µs per interaction (${largeTrain.result.items} shows), ${recorded(largeTrain)}; memory from it and ${recorded(smallTrain)}; + ${a.trainingStartupSeconds} s start-up (assumed)`,
  };

  // Transform: CPU per viewer scales with shows (f multiply-adds per show); one ranking thread per vCPU.
  const [rate, other] = figures.transform;
  const cpuMsPerViewer = rate.result.cpuMsPerViewer * (input.shows / rate.result.shows);
  const tInstance = instanceOf(prices, sizing.transform.InstanceType);
  const tCores = tInstance.vcpus * sizing.transform.InstanceCount;
  const transformSeconds = (cpuMsPerViewer * input.viewers) / 1000 / tCores;
  const bytesPerModelViewer =
    (rate.result.idleRssBytes - other.result.idleRssBytes) / (rate.result.modelViewers - other.result.modelViewers);
  const servingBase = rate.result.idleRssBytes - bytesPerModelViewer * rate.result.modelViewers;
  const streamingBytes = Math.max(rate.result.peakRssBytes - rate.result.idleRssBytes, 0);
  // Every instance loads the whole model: all viewers' factors and histories.
  const transformMemory = servingBase + bytesPerModelViewer * input.viewers + streamingBytes;
  const transform: StagePlan = {
    stage: 'transform',
    runsOn: `${sizing.transform.InstanceCount} × ${sizing.transform.InstanceType} (${tInstance.vcpus} ranking threads each)`,
    seconds: transformSeconds + a.transformStartupSeconds,
    memoryNeedBytes: transformMemory,
    memoryHasBytes: tInstance.memoryGiB * GIB,
    costUsd:
      (sizing.transform.InstanceCount * (transformSeconds + a.transformStartupSeconds) * tInstance.usdPerHour) / 3600,
    basis: `${rate.result.cpuMsPerViewer} CPU ms per viewer at ${rate.result.shows} shows, ${recorded(rate)}; memory per model viewer from it and ${recorded(other)}; + ${a.transformStartupSeconds} s start-up (assumed)`,
  };
  const viewersPerRequest = Math.floor((sizing.transform.MaxPayloadInMB * MIB) / INPUT_BYTES_PER_VIEWER);
  const requestSeconds =
    (viewersPerRequest * cpuMsPerViewer * sizing.transform.MaxConcurrentTransforms) / 1000 / tInstance.vcpus;
  if (requestSeconds > 0.25 * sizing.transform.InvocationsTimeoutInSeconds) {
    warnings.push(
      `transform: one ${sizing.transform.MaxPayloadInMB} MB request (~${viewersPerRequest} viewers) takes ~${Math.round(requestSeconds)} s, over a quarter of InvocationsTimeoutInSeconds ${sizing.transform.InvocationsTimeoutInSeconds}: raise the timeout or use more vCPUs per instance`,
    );
  }

  // Fan-out: each writer is CPU-bound at the measured µs per item; the table caps all writers together.
  const writeUnitsPerItem = Math.ceil((rate.result.responseBytesPerViewer + ROW_OVERHEAD_BYTES) / 1024);
  const perWriter = 1e6 / figures.fanout.result.writerCpuUsPerItem;
  const objects = Math.max(1, Math.ceil((input.viewers * INPUT_BYTES_PER_VIEWER) / (5 * MIB)));
  const batches = Math.ceil(objects / sizing.fanout.MaxItemsPerBatch);
  const writers = Math.min(sizing.fanout.MaxConcurrency === 0 ? batches : sizing.fanout.MaxConcurrency, batches);
  const tableItemsPerSecond = (input.tableWriteUnitsPerSecond * TABLE_TARGET_SHARE) / writeUnitsPerItem;
  const itemsPerSecond = Math.min(writers * perWriter, tableItemsPerSecond);
  const fanoutSeconds = input.viewers / itemsPerSecond;
  const lambdaGbSeconds = fanoutSeconds * writers * (sizing.fanout.writerMemoryMb / 1024);
  const fanout: StagePlan = {
    stage: 'fanout',
    runsOn: `${writers} writer${writers === 1 ? '' : 's'} × ${Math.round(perWriter)} items/s, table ${input.tableWriteUnitsPerSecond} WRU/s (${writeUnitsPerItem} WRU per row)`,
    seconds: fanoutSeconds,
    memoryNeedBytes: undefined,
    costUsd:
      (input.viewers * writeUnitsPerItem * prices.dynamodb.usdPerMillionWriteUnits) / 1e6 +
      lambdaGbSeconds * prices.lambda.usdPerGbSecondArm,
    basis: `${figures.fanout.result.writerCpuUsPerItem} CPU µs per item, ${recorded(figures.fanout)}; bound by ${writers * perWriter < tableItemsPerSecond ? 'the writers' : `the table at ${TABLE_TARGET_SHARE * 100}%`}`,
  };

  for (const stage of [training, transform]) {
    if ((stage.memoryNeedBytes ?? 0) > (stage.memoryHasBytes ?? Number.POSITIVE_INFINITY)) {
      warnings.push(
        `${stage.stage}: needs ~${((stage.memoryNeedBytes ?? 0) / GIB).toFixed(1)} GiB, ${stage.runsOn} has ${((stage.memoryHasBytes ?? 0) / GIB).toFixed(0)} GiB: pick a larger instance type (stage param)`,
      );
    }
  }
  if (training.seconds > sizing.training.maxWaitSeconds) {
    warnings.push(
      `training: ~${Math.round(training.seconds)} s exceeds its ${sizing.training.maxWaitSeconds} s budget`,
    );
  }
  if (transform.seconds > sizing.transform.maxWaitSeconds) {
    warnings.push(
      `transform: ~${Math.round(transform.seconds)} s exceeds its ${sizing.transform.maxWaitSeconds} s budget: raise transformInstanceCount`,
    );
  }
  if (writers > 1 && (writers - 1) * perWriter >= tableItemsPerSecond) {
    warnings.push(
      `fanout: ${writers - 1} writers already fill the table's ${input.tableWriteUnitsPerSecond} WRU/s; more concurrency only adds throttling (lower fanoutMaxConcurrency or warm the table)`,
    );
  }

  const stages = [unload, training, transform, fanout];
  return {
    viewers: input.viewers,
    shows: input.shows,
    interactions,
    region: prices.region,
    pricesAsOf: prices.asOf,
    stages,
    totalSeconds: stages.reduce((sum, s) => sum + s.seconds, 0),
    totalCostUsd: stages.reduce((sum, s) => sum + s.costUsd, 0),
    warnings,
  };
}

/** Reads and validates a JSON file the plan depends on, naming it in any error. */
export function readJsonFile<T>(path: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new LocalSetupError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LocalSetupError(`${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

const duration = (seconds: number): string => {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
};
const gib = (bytes: number | undefined) => (bytes === undefined ? '—' : `${(bytes / GIB).toFixed(1)} GiB`);

/** The plan as a table for people. */
export function formatPlan(plan: Plan): string {
  const rows = plan.stages.map((s) => [
    s.stage,
    s.runsOn,
    duration(s.seconds),
    s.memoryNeedBytes === undefined ? '—' : `${gib(s.memoryNeedBytes)} of ${gib(s.memoryHasBytes)}`,
    `$${s.costUsd.toFixed(2)}`,
  ]);
  rows.push(['total', '', duration(plan.totalSeconds), '', `$${plan.totalCostUsd.toFixed(2)}`]);
  const header = ['stage', 'runs on', 'time', 'memory (need of has)', 'cost'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    `${plan.viewers.toLocaleString('en-US')} viewers × ${plan.shows.toLocaleString('en-US')} shows, ${plan.interactions.toLocaleString('en-US')} interactions; ${plan.region} on-demand prices as of ${plan.pricesAsOf}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    ...plan.stages.map((s) => `${s.stage}: ${s.basis}`),
    ...(plan.warnings.length > 0 ? ['', ...plan.warnings.map((w) => `warning: ${w}`)] : []),
  ].join('\n');
}
