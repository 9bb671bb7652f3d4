import { describe, expect, it } from 'vitest';
import { ndcgAtK, recallAtK } from './metrics.js';

describe('ranking metrics', () => {
  it('computes recall@k over min(k, |relevant|)', () => {
    // Prepare: 2 of 3 relevant items in a top 3.
    const ranked = [5, 1, 7];
    // Act / Assess: hits 2 / min(3, 3) and 2 / min(2, 3).
    expect(recallAtK(ranked, new Set([1, 7, 9]), 3, 3)).toBeCloseTo(2 / 3);
    expect(recallAtK(ranked, new Set([1, 7, 9]), 3, 2)).toBeCloseTo(1 / 2);
  });

  it('computes ndcg@k by hand: hits at ranks 2 and 3 out of two relevant items', () => {
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(4);
    const ideal = 1 + 1 / Math.log2(3);
    expect(ndcgAtK([5, 1, 7], new Set([1, 7]), 2, 3)).toBeCloseTo(dcg / ideal, 10);
  });

  it('counts relevant items the model cannot rank as misses', () => {
    // One known relevant item ranked first, one unknown show in the test set.
    expect(recallAtK([1, 2], new Set([1]), 2, 2)).toBeCloseTo(0.5);
    expect(ndcgAtK([1, 2], new Set([1]), 2, 2)).toBeCloseTo(1 / (1 + 1 / Math.log2(3)));
  });

  it('counts only the top k of a longer ranking', () => {
    // The hit sits at rank 2: outside a top 1.
    expect(recallAtK([9, 1], new Set([1]), 1, 1)).toBe(0);
    expect(ndcgAtK([9, 1], new Set([1]), 1, 1)).toBe(0);
    // A ranking shorter than k counts what it has.
    expect(recallAtK([1], new Set([1, 2]), 2, 10)).toBeCloseTo(0.5);
  });

  it('gives 0, not NaN, when nothing is relevant', () => {
    expect(recallAtK([1, 2], new Set(), 0, 10)).toBe(0);
  });

  it('gives a perfect ranking 1 and an empty relevant set 0', () => {
    expect(ndcgAtK([3, 4], new Set([3, 4]), 2, 10)).toBeCloseTo(1);
    expect(ndcgAtK([3, 4], new Set(), 0, 10)).toBe(0);
  });
});
