import { describe, expect, it } from 'vitest';
import { csrFromTriples } from './linalg/csr.js';
import { PopularityRecommender } from './popularity.js';
import { createRng } from './rng.js';

describe('PopularityRecommender', () => {
  it('counts distinct viewers with a positive confidence per show, and ranks by that count', async () => {
    // Prepare: show 0 watched by viewers 0 and 1, show 1 by viewer 2 only, show 2 stored with confidence 0 by all.
    const x = csrFromTriples(
      3,
      3,
      Int32Array.from([0, 1, 2, 0, 1, 2]),
      Int32Array.from([0, 0, 1, 2, 2, 2]),
      Float32Array.from([1, 2, 5, 0, 0, 0]),
    );
    const model = new PopularityRecommender();

    // Act
    await model.fit(x, createRng(1));

    // Assess: counts, not summed confidence (show 1's 5 does not beat show 0's two viewers).
    expect(Array.from(model.counts)).toEqual([2, 1, 0]);
    expect(Array.from(model.recommend(0, 2).items)).toEqual([0, 1]);
    expect(Array.from(model.recommend(0, 1, (show) => show === 0).items)).toEqual([1]);
  });
});
