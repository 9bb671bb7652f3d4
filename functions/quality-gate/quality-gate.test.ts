import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../contracts/recommendation-list.js';
import { recordingDynamo } from '../../test/support/recording-dynamo.js';
import { LIVE_KEY } from '../_shared/dynamo-table.js';
import { InvalidInputError, RecsError } from '../_shared/errors.js';
import { evaluateQuality, qualityGate, readLiveNdcg } from './quality-gate.js';

const thresholds = { minLift: 0.1, maxDrop: 0.2 };
const metrics = (ndcg: number, popularityNdcg: number, recall = 0.3) => [
  { MetricName: METRIC_NAMES.ndcg, Value: ndcg, Timestamp: '2024-05-01T00:00:00Z' },
  { MetricName: METRIC_NAMES.recall, Value: recall },
  { MetricName: METRIC_NAMES.popularityNdcg, Value: popularityNdcg },
];

describe('evaluateQuality', () => {
  it('passes a model that beats popularity by the lift when nothing is live', () => {
    const verdict = evaluateQuality(metrics(0.34, 0.3), null, thresholds);

    expect(verdict).toMatchObject({ passed: true, ndcg: 0.34, recall: 0.3, popularityNdcg: 0.3, liveNdcg: null });
  });

  it('fails a model within the lift of popularity', () => {
    const verdict = evaluateQuality(metrics(0.32, 0.3), null, thresholds);

    expect(verdict.passed).toBe(false);
    expect(verdict.reason).toMatch(/below popularity/);
  });

  it('fails a model that drops more than allowed below the live model', () => {
    expect(evaluateQuality(metrics(0.4, 0.1), 0.51, thresholds).passed).toBe(false);
    expect(evaluateQuality(metrics(0.41, 0.1), 0.51, thresholds).passed).toBe(true);
  });

  it('treats missing or non-finite metrics as invalid input', () => {
    expect(() => evaluateQuality(metrics(0.4, 0.1).slice(1), null, thresholds)).toThrow(InvalidInputError);
    expect(() => evaluateQuality(metrics(Number.NaN, 0.1), null, thresholds)).toThrow(InvalidInputError);
  });

  it('stops a collapsed model through the live comparison', () => {
    expect(evaluateQuality(metrics(0, 0), 0.3, thresholds).passed).toBe(false);
    expect(evaluateQuality(metrics(0, 0), null, thresholds).passed).toBe(false);
  });

  // Dyadic values (0.25, 0.5, 0.375) multiply exactly, so "equal to the bar" really is equal in floating point.
  it('passes a model exactly at the popularity bar: the lift is a minimum, not a margin to exceed', () => {
    const verdict = evaluateQuality(metrics(0.375, 0.25), null, { minLift: 0.5, maxDrop: 0.2 });

    expect(verdict.passed).toBe(true);
  });

  it('passes a model exactly at the live bar: the drop is a maximum, not a margin to stay inside', () => {
    const verdict = evaluateQuality(metrics(0.375, 0.1), 0.5, { minLift: 0.1, maxDrop: 0.25 });

    expect(verdict).toMatchObject({ passed: true, liveNdcg: 0.5 });
  });

  it('tells the operator the popularity bar it missed and how it was computed', () => {
    const verdict = evaluateQuality(metrics(0.32, 0.3), null, thresholds);

    expect(verdict.reason).toBe('ndcg@10 0.3200 is below popularity 0.3000 × 1.1 = 0.3300');
  });

  it('tells the operator the live bar it missed and how it was computed', () => {
    const verdict = evaluateQuality(metrics(0.4, 0.1), 0.51, thresholds);

    expect(verdict.reason).toBe("ndcg@10 0.4000 is below the live model's 0.5100 × 0.8 = 0.4080");
  });

  it('says why a collapsed model failed, even when its baseline is zero too', () => {
    expect(evaluateQuality(metrics(0, 0), null, thresholds).reason).toBe(
      'ndcg@10 is 0: the model recommends nothing useful',
    );
  });

  it('says what a passing model beat, with or without a live model', () => {
    expect(evaluateQuality(metrics(0.34, 0.3), null, thresholds).reason).toBe(
      'ndcg@10 0.3400 beats popularity 0.3000; no live model yet',
    );
    expect(evaluateQuality(metrics(0.41, 0.1), 0.51, thresholds).reason).toBe(
      'ndcg@10 0.4100 beats popularity 0.1000; live 0.5100',
    );
  });

  it.each([
    ['a missing', METRIC_NAMES.recall, metrics(0.4, 0.1).filter((metric) => metric.MetricName !== METRIC_NAMES.recall)],
    ['an infinite', METRIC_NAMES.popularityNdcg, metrics(0.4, Number.POSITIVE_INFINITY)],
  ])('refuses %s metric by name, as a fault in the metrics field', (_kind, name, given) => {
    expect(() => evaluateQuality(given, null, thresholds)).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        field: 'metrics',
        message: `training metric ${name} is missing; did the trainer log it?`,
      }),
    );
  });
});

/** A table that answers every GetItem with `item`, or fails with it. */
function liveTable(item: Record<string, unknown> | undefined | Error) {
  const { dynamo, inputs } = recordingDynamo(() => {
    if (item instanceof Error) throw item;
    return item ? { Item: item } : {};
  });
  return { dynamo, tableName: 'recs', inputs };
}

describe('readLiveNdcg', () => {
  const pointer = { ...LIVE_KEY, liveRunId: 'run-1', modelVersion: 'model-1', publishedAt: '2024-05-01T00:00:00Z' };

  it("reads the live pointer's ndcg with a consistent read, so a run just published is the one compared", async () => {
    const table = liveTable({ ...pointer, ndcg: 0.42 });

    const ndcg = await readLiveNdcg(table);

    expect(ndcg).toBe(0.42);
    expect(table.inputs).toEqual([{ TableName: 'recs', Key: LIVE_KEY, ConsistentRead: true }]);
  });

  it('answers null when nothing is live, the pointer carries no ndcg, or the pointer is malformed', async () => {
    expect(await readLiveNdcg(liveTable(undefined))).toBeNull();
    expect(await readLiveNdcg(liveTable(pointer))).toBeNull();
    expect(await readLiveNdcg(liveTable({ ...LIVE_KEY, ndcg: 0.42 }))).toBeNull();
  });

  it('wraps a failed read in a RecsError that says what it was reading', async () => {
    const cause = new Error('ProvisionedThroughputExceededException');

    const reading = readLiveNdcg(liveTable(cause));

    await expect(reading).rejects.toThrow(RecsError);
    await expect(reading).rejects.toMatchObject({
      message: 'cannot read the live pointer: ProvisionedThroughputExceededException',
      cause,
    });
  });
});

describe('qualityGate', () => {
  const event = (ndcg: number) => ({ runId: '20240501T000000Z-abc', metrics: metrics(ndcg, 0.1) });

  it('compares with the live model only when the live pointer has an ndcg', async () => {
    const pointer = { ...LIVE_KEY, liveRunId: 'run-1', modelVersion: 'model-1' };

    const withoutNdcg = await qualityGate(event(0.2), { ...liveTable(pointer), ...thresholds });
    const withNdcg = await qualityGate(event(0.2), { ...liveTable({ ...pointer, ndcg: 0.5 }), ...thresholds });

    expect(withoutNdcg).toMatchObject({ passed: true, liveNdcg: null });
    expect(withNdcg).toMatchObject({ passed: false, liveNdcg: 0.5 });
  });
});
