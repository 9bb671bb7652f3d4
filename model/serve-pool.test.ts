import { describe, expect, it } from 'vitest';
import { InlineRanker, RankerPool } from './serve-pool.js';
import { UNDER_MUTATION_RUN } from './testing/mutation-run.js';
import { makeServingArtifact } from './testing/serving-artifact.js';

const artifact = makeServingArtifact({ viewers: 20, shows: 50, factors: 4, perViewer: 3, seed: 3 });
const viewers = Int32Array.of(0, 5, -1);
const partners = Int32Array.of(-1, 1, -1);

describe('RankerPool', () => {
  it.skipIf(UNDER_MUTATION_RUN)('fails a batch its worker cannot rank, then answers the next one', async () => {
    const pool = await RankerPool.start(artifact, 1);
    try {
      // k = -1 makes the worker's top-k buffer throw: the batch's promise must reject, not resolve with nothing.
      await expect(pool.rankBatch(viewers, partners, -1)).rejects.toThrow(/length/i);
      const expected = await new InlineRanker(artifact).rankBatch(viewers, partners, 4);
      expect(await pool.rankBatch(viewers, partners, 4)).toEqual(expected);
    } finally {
      await pool.close();
    }
  });

  it.skipIf(UNDER_MUTATION_RUN)('refuses batches once closed instead of queueing them forever', async () => {
    const pool = await RankerPool.start(artifact, 1);
    await pool.close();
    await expect(pool.rankBatch(viewers, partners, 4)).rejects.toThrow('ranker pool is closed');
  });
});
