import { describe, expect, it } from 'vitest';
import { type Csr, csrFromTriples } from '../linalg/csr.js';
import { type Ranked, type Recommender, topK } from '../recommender.js';
import { evaluateRanking } from './evaluate.js';
import type { TestSet } from './split.js';

/** Ranks every show by a fixed score, whoever the viewer is: the evaluation, not the model, is under test. */
function fixedRanking(scores: number[]): Recommender {
  const table = Float32Array.from(scores);
  return {
    name: 'popularity',
    fit: async () => undefined,
    scoreInto: (_viewer: number, out: Float32Array) => out.set(table),
    explain: () => -1,
    recommend: (_viewer: number, k: number, exclude?: (item: number) => boolean): Ranked => topK(table, k, exclude),
    state: () => ({ name: 'popularity', params: {}, arrays: {} }),
  };
}

const matrix = (rows: number, cols: number, cells: [number, number][]): Csr =>
  csrFromTriples(
    rows,
    cols,
    Int32Array.from(cells.map(([r]) => r)),
    Int32Array.from(cells.map(([, c]) => c)),
    new Float32Array(cells.length).fill(1),
  );

const testSet = (rows: { viewer: number; items: number[]; missing?: number }[]): TestSet => ({
  viewers: Int32Array.from(rows.map((row) => row.viewer)),
  items: rows.map((row) => Int32Array.from(row.items)),
  missing: Int32Array.from(rows.map((row) => row.missing ?? 0)),
});

describe('evaluateRanking (REFERENCE.md protocol)', () => {
  // Six shows. The model prefers low show ids, the popularity fallback high ones.
  const model = fixedRanking([6, 5, 4, 3, 2, 1]);
  const fallback = fixedRanking([1, 2, 3, 4, 5, 6]);
  // Viewer 0 watched shows 0 and 1, viewer 1 watched show 2, viewer 2 nothing in training, viewer 3 has no test item.
  const train = matrix(4, 6, [
    [0, 0],
    [0, 1],
    [1, 2],
    [3, 4],
  ]);
  const test = testSet([
    { viewer: 0, items: [2], missing: 1 },
    { viewer: 1, items: [0] },
    { viewer: 2, items: [5] },
    { viewer: 3, items: [] },
  ]);

  it('ranks unseen shows per viewer, counts unknown test shows as misses, and averages over viewers with a test item', () => {
    // Act
    const quality = evaluateRanking(model, train, test, 2, fallback);

    // Assess, by hand at k = 2:
    // viewer 0: watched {0, 1} excluded → [2, 3]; relevant {2} plus one unknown show → recall 1/2, ndcg 1/(1 + 1/log2 3).
    // viewer 1: only its own show 2 excluded (viewer 0's marks are cleared) → [0, 1]; recall 1, ndcg 1.
    // viewer 2: no training row, so the fallback ranks → [5, 4]; recall 1, ndcg 1.
    // viewer 3: nothing held out → not averaged.
    const viewer0Ndcg = 1 / (1 + 1 / Math.log2(3));
    expect(quality.users).toBe(3);
    expect(quality.recall).toBeCloseTo((0.5 + 1 + 1) / 3, 10);
    expect(quality.ndcg).toBeCloseTo((viewer0Ndcg + 1 + 1) / 3, 10);
  });

  it('ranks a viewer without history with the model itself when no fallback is given', () => {
    // viewer 2 alone: the model ranks [0, 1], which misses show 5.
    const quality = evaluateRanking(model, train, testSet([{ viewer: 2, items: [5] }]), 2);
    expect(quality).toEqual({ recall: 0, ndcg: 0, users: 1 });
  });

  it('gives 0, not NaN, when no viewer has a held-out show', () => {
    expect(evaluateRanking(model, train, testSet([{ viewer: 3, items: [] }]), 2, fallback)).toEqual({
      recall: 0,
      ndcg: 0,
      users: 0,
    });
  });
});
