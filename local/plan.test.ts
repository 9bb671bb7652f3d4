import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PipelineSizing } from './pipeline-sizing.js';
import { readPipelineSizing } from './pipeline-sizing.js';
import { Figures, formatPlan, type Plan, Prices, planRun, readJsonFile } from './plan.js';

const root = fileURLToPath(new URL('..', import.meta.url));

// Round figures so each expectation can be worked out by hand.
const figures: Figures = {
  transform: [
    {
      command: 'recs bench transform',
      measuredAt: 'test',
      result: {
        bench: 'transform',
        shows: 20_000,
        modelViewers: 100_000,
        cpuMsPerViewer: 2,
        idleRssBytes: 300e6,
        peakRssBytes: 350e6,
        responseBytesPerViewer: 1_900,
      },
    },
    {
      command: 'recs bench transform',
      measuredAt: 'test',
      result: {
        bench: 'transform',
        shows: 20_000,
        modelViewers: 10_000,
        cpuMsPerViewer: 2,
        idleRssBytes: 120e6,
        peakRssBytes: 170e6,
        responseBytesPerViewer: 1_900,
      },
    },
  ],
  training: [
    {
      command: 'bench model',
      measuredAt: 'test',
      result: {
        bench: 'model.small',
        model: 'ials',
        items: 20_000,
        interactions: 1e6,
        trainCpuSeconds: 60,
        peakRssMb: 200,
      },
    },
    {
      command: 'bench model',
      measuredAt: 'test',
      result: {
        bench: 'model.large',
        model: 'ials',
        items: 20_000,
        interactions: 10e6,
        trainCpuSeconds: 600,
        peakRssMb: 740,
      },
    },
  ],
  fanout: { command: 'recs bench fanout', measuredAt: 'test', result: { bench: 'fanout', writerCpuUsPerItem: 250 } },
};

const prices: Prices = {
  asOf: '2026-12-02',
  region: 'us-east-1',
  sources: {},
  sagemakerInstances: {
    'ml.m5.large': { vcpus: 2, memoryGiB: 8, usdPerHour: 0.1 },
    'ml.m5.xlarge': { vcpus: 4, memoryGiB: 16, usdPerHour: 0.2 },
  },
  dynamodb: { usdPerMillionWriteUnits: 0.625, usdPerGbMonth: 0.25 },
  lambda: { usdPerGbSecondArm: 0.00001, usdPerMillionRequests: 0.2 },
  redshiftServerless: { usdPerRpuHour: 0.36, baseRpus: 8, minimumChargeSeconds: 60 },
  assumptions: {
    unloadMbPerSecond: 50,
    unloadBytesPerViewershipRow: 160,
    trainingStartupSeconds: 0,
    transformStartupSeconds: 0,
  },
};

const sizing: PipelineSizing = {
  training: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, maxWaitSeconds: 9000 },
  transform: {
    InstanceType: 'ml.m5.large',
    InstanceCount: 1,
    MaxPayloadInMB: 1,
    MaxConcurrentTransforms: 2,
    InvocationsTimeoutInSeconds: 600,
    InvocationsMaxRetries: 2,
    maxWaitSeconds: 10800,
  },
  fanout: { MaxConcurrency: 1, MaxItemsPerBatch: 1, writerMemoryMb: 1024, ttlDays: 14 },
};

const stage = (plan: Plan, name: string) => plan.stages.find((s) => s.stage === name);
const input = { viewers: 1_000_000, shows: 20_000, interactionsPerViewer: 10, tableWriteUnitsPerSecond: 4000 };

describe('recs plan', () => {
  it('times training and transform from the measured CPU cost on the configured instances', () => {
    const plan = planRun(input, sizing, figures, prices);

    // 10M interactions × 60 µs on min(2, 4 vCPUs) threads; 1M viewers × 2 ms on 2 vCPUs.
    expect(stage(plan, 'training')?.seconds).toBeCloseTo(300);
    expect(stage(plan, 'transform')?.seconds).toBeCloseTo(1000);
    expect(stage(plan, 'training')?.costUsd).toBeCloseTo((300 * 0.2) / 3600);
    expect(stage(plan, 'transform')?.costUsd).toBeCloseTo((1000 * 0.1) / 3600);
  });

  it('grows memory with the model: per interaction in training, per model viewer in serving', () => {
    const plan = planRun(input, sizing, figures, prices);

    // Training: 60 B per interaction over a 140 MB base; serving: 2,000 B per viewer over 100 MB, + 50 MB streaming.
    expect(stage(plan, 'training')?.memoryNeedBytes).toBeCloseTo(140e6 + 60 * 10e6);
    expect(stage(plan, 'transform')?.memoryNeedBytes).toBeCloseTo(100e6 + 2_000 * 1e6 + 50e6);
    expect(plan.warnings).toEqual([]);
  });

  it('bounds the fan-out by the table when one writer is faster than the table allows', () => {
    const onePerWriter = planRun({ ...input, tableWriteUnitsPerSecond: 40_000 }, sizing, figures, prices);
    const tableBound = planRun(
      { ...input, tableWriteUnitsPerSecond: 4000 },
      { ...sizing, fanout: { ...sizing.fanout, MaxConcurrency: 10 } },
      figures,
      prices,
    );

    // One writer: 4,000 items/s. Table: 4,000 WRU/s × 80 % / 2 WRU per row = 1,600 items/s.
    expect(stage(onePerWriter, 'fanout')?.seconds).toBeCloseTo(1e6 / 4000);
    expect(stage(tableBound, 'fanout')?.seconds).toBeCloseTo(1e6 / 1600);
    expect(stage(tableBound, 'fanout')?.basis).toMatch(/bound by the table/);
    expect(tableBound.warnings.some((w) => w.startsWith('fanout:'))).toBe(true);
  });

  it('warns when the configured instance cannot hold the model or the job outruns its budget', () => {
    const plan = planRun({ ...input, viewers: 10_000_000 }, sizing, figures, prices);

    expect(plan.warnings.some((w) => /^transform: needs ~18\.\d GiB, 1 × ml\.m5\.large/.test(w))).toBe(true);
    expect(plan.warnings.some((w) => w.includes('budget'))).toBe(false); // 10,000 s of its 10,800
    expect(formatPlan(plan)).toMatch(/10,000,000 viewers × 20,000 shows/);
  });

  it('reads the repository’s own figures, prices and configured sizing', () => {
    const plan = planRun(
      { viewers: 10_000_000, shows: 20_000, interactionsPerViewer: 20, tableWriteUnitsPerSecond: 4000 },
      readPipelineSizing(root),
      readJsonFile(`${root}bench/figures.json`, Figures),
      readJsonFile(`${root}docs/prices.json`, Prices),
    );

    expect(plan.stages.map((s) => s.stage)).toEqual(['unload', 'training', 'transform', 'fanout']);
    expect(plan.totalCostUsd).toBeGreaterThan(0);
    expect(plan.pricesAsOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
