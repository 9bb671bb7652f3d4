import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredRecommendation } from '../../functions/_shared/dynamo-table.js';
import type { ExecutionSummary } from '../../local/run-summary.js';
import { runLocalPipeline } from '../../local/runtime.js';
import { generateSample } from '../../local/sample-data.js';
import { startLocalStack } from '../../local/stack.js';

// A few thousand events: small enough for CI, large enough for the model to beat popularity. The window ends
// today because the UNLOAD keeps only recent events; the test regenerates the same sample to know the truth.
const today = new Date();
const SAMPLE = {
  viewers: 400,
  shows: 60,
  days: 14,
  seed: 7,
  endDate: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())),
};

type Recommendation = StoredRecommendation;

describe('npm start: the real state machine end to end on local stand-ins', () => {
  let dataDir: string;
  let summary: ExecutionSummary;
  let items: { viewerId: string; runId: string; recommendations: Recommendation[] }[];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'recs-pipeline-'));
    summary = await runLocalPipeline({ dataDir, sample: SAMPLE, executionName: 'pipeline-test', input: {} });
    const stack = await startLocalStack(dataDir);
    try {
      const doc = DynamoDBDocumentClient.from(stack.dynamo);
      items = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(new ScanCommand({ TableName: 'recommendations', ExclusiveStartKey: start }));
        items.push(...((page.Items ?? []) as typeof items));
        start = page.LastEvaluatedKey;
      } while (start);
    } finally {
      await stack.stop();
    }
  }, 120_000);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('succeeds with the model metrics and every state timed', () => {
    expect(summary.status, summary.error).toBe('SUCCEEDED');
    expect(summary.metrics['ndcg@10']).toBeGreaterThan(0);
    expect(summary.metrics['recall@10']).toBeGreaterThan(0);
    expect(summary.metrics['popularity.ndcg@10']).toBeGreaterThanOrEqual(0);
    expect(summary.states.map((s) => s.name)).toEqual(
      expect.arrayContaining(['PrepareRun', 'TrainModel', 'WriteTopTen']),
    );
    expect(summary.events).toBeGreaterThan(2000);
  });

  it('writes one ranked top-10 per viewer, each show available on one of that viewer’s partners', () => {
    const sample = generateSample(SAMPLE);
    const partnersOf = new Map<string, Set<string>>();
    for (const account of sample.accounts) {
      partnersOf.set(account.viewerId, (partnersOf.get(account.viewerId) ?? new Set()).add(account.partner));
    }
    const carried = new Set(sample.availability.map((a) => `${a.showId}|${a.partner}`));
    const brandOf = new Map(sample.shows.map((s) => [s.showId, s.brand]));
    const lists = items.filter((item) => item.runId === summary.runId && !item.viewerId.startsWith('#'));

    expect(new Set(lists.map((l) => l.viewerId))).toEqual(new Set(partnersOf.keys()));
    expect(lists).toHaveLength(partnersOf.size);
    let full = 0;
    for (const list of lists) {
      const recs = list.recommendations;
      expect(recs.length).toBeGreaterThan(0);
      expect(recs.length).toBeLessThanOrEqual(10);
      if (recs.length === 10) full++;
      expect(recs.map((r) => r.rank)).toEqual(recs.map((_, i) => i + 1));
      expect(new Set(recs.map((r) => r.showId)).size).toBe(recs.length);
      for (const rec of recs) {
        expect(partnersOf.get(list.viewerId)?.has(rec.partner), `${list.viewerId} has no ${rec.partner} account`).toBe(
          true,
        );
        expect(carried.has(`${rec.showId}|${rec.partner}`), `${rec.showId} is not on ${rec.partner}`).toBe(true);
        expect(rec.brand).toBe(brandOf.get(rec.showId));
      }
    }
    expect(full / lists.length).toBeGreaterThan(0.8);
    expect(summary.recommendationsWritten).toBe(lists.length);
  });
});
