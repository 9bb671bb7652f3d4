import { GetCommand, type GetCommandInput, type GetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { METRIC_NAMES } from '../../contracts/recommendation-list.js';
import { LIVE_KEY, LivePointer } from '../_shared/dynamo-table.js';
import { InvalidInputError, RecsError } from '../_shared/errors.js';
import { RunId } from '../_shared/run-layout.js';

/** SageMaker's FinalMetricDataList, named by the ASL's MetricDefinitions. */
export const QualityGateEvent = z.object({
  runId: RunId,
  metrics: z.array(z.looseObject({ MetricName: z.string(), Value: z.number() })),
});
export type QualityGateEvent = z.infer<typeof QualityGateEvent>;

export interface QualityThresholds {
  /** ndcg must reach popularityNdcg × (1 + minLift). */
  minLift: number;
  /** ndcg must reach liveNdcg × (1 − maxDrop) when a run is live. */
  maxDrop: number;
}

export interface QualityVerdict {
  passed: boolean;
  reason: string;
  ndcg: number;
  recall: number;
  popularityNdcg: number;
  liveNdcg: number | null;
}

const fmt = (value: number) => value.toFixed(4);

/** The gate itself, pure: beat popularity by a margin, and do not fall far below the live model. */
export function evaluateQuality(
  metrics: QualityGateEvent['metrics'],
  liveNdcg: number | null,
  thresholds: QualityThresholds,
): QualityVerdict {
  const read = (name: string): number => {
    // SageMaker keeps the last value a regex matched; the container prints each once, so any match will do.
    const value = metrics.findLast((metric) => metric.MetricName === name)?.Value;
    if (value === undefined || !Number.isFinite(value)) {
      throw new InvalidInputError(`training metric ${name} is missing; did the trainer log it?`, 'metrics');
    }
    return value;
  };
  const ndcg = read(METRIC_NAMES.ndcg);
  const recall = read(METRIC_NAMES.recall);
  const popularityNdcg = read(METRIC_NAMES.popularityNdcg);
  const popularityBar = popularityNdcg * (1 + thresholds.minLift);
  const verdict = { ndcg, recall, popularityNdcg, liveNdcg };
  // A collapsed model (all-zero scores) ties a zero baseline; it must never pass on a tie at zero.
  if (!(ndcg > 0)) return { ...verdict, passed: false, reason: 'ndcg@10 is 0: the model recommends nothing useful' };
  if (!(ndcg >= popularityBar)) {
    return {
      ...verdict,
      passed: false,
      reason: `ndcg@10 ${fmt(ndcg)} is below popularity ${fmt(popularityNdcg)} × ${1 + thresholds.minLift} = ${fmt(popularityBar)}`,
    };
  }
  if (liveNdcg !== null) {
    const liveBar = liveNdcg * (1 - thresholds.maxDrop);
    if (!(ndcg >= liveBar)) {
      return {
        ...verdict,
        passed: false,
        reason: `ndcg@10 ${fmt(ndcg)} is below the live model's ${fmt(liveNdcg)} × ${1 - thresholds.maxDrop} = ${fmt(liveBar)}`,
      };
    }
  }
  const live = liveNdcg === null ? 'no live model yet' : `live ${fmt(liveNdcg)}`;
  return { ...verdict, passed: true, reason: `ndcg@10 ${fmt(ndcg)} beats popularity ${fmt(popularityNdcg)}; ${live}` };
}

export interface QualityGateDeps extends QualityThresholds {
  dynamo: { send(command: GetCommand): Promise<GetCommandOutput> };
  tableName: string;
}

/** The live model's NDCG@10 from the `#live` pointer, or null when nothing is live. */
export async function readLiveNdcg(deps: Pick<QualityGateDeps, 'dynamo' | 'tableName'>): Promise<number | null> {
  const input: GetCommandInput = { TableName: deps.tableName, Key: LIVE_KEY, ConsistentRead: true };
  let item: unknown;
  try {
    item = (await deps.dynamo.send(new GetCommand(input))).Item;
  } catch (error) {
    throw new RecsError(`cannot read the live pointer: ${(error as Error).message}`, { cause: error });
  }
  if (!item) return null;
  const live = LivePointer.safeParse(item);
  return live.success && live.data.ndcg !== undefined ? live.data.ndcg : null;
}

/** QualityGate: metrics of this run's training job vs. popularity and the live model. */
export async function qualityGate(event: QualityGateEvent, deps: QualityGateDeps): Promise<QualityVerdict> {
  return evaluateQuality(event.metrics, await readLiveNdcg(deps), deps);
}
