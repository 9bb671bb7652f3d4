import { describe, expect, it } from 'vitest';
import { type EaseOptions, EaseRecommender } from './ease.js';
import { csrFromTriples } from './linalg/csr.js';
import type { SpawnWorker } from './linalg/workers.js';
import { createRng } from './rng.js';
import { makeInteractions } from './testing/fixtures.js';
import { UNDER_MUTATION_RUN } from './testing/mutation-run.js';

const refuse: SpawnWorker = () => {
  throw new Error('ERR_WORKER_INIT_FAILED: out of threads');
};
const model = (precision: EaseOptions['precision'], spawnWorker?: SpawnWorker) =>
  new EaseRecommender({ lambda: 0.5, dropout: 0, threads: 2, precision, spawnWorker });
/** Shows just at the size where each inverse asks for its worker threads (sweep-parallel.ts, parallel-inverse.ts). */
const threadedShows = { float32: 512, float64: 256 } as const;

describe('EaseRecommender thread reporting', () => {
  it.each(['float32', 'float64'] as const)(
    'reports a worker start failure on a %s fit large enough for threads, and fits the same weights',
    async (precision) => {
      // Prepare
      const x = makeInteractions({ viewers: 600, shows: threadedShows[precision], seed: 3 });
      const [fallen, single] = [model(precision, refuse), new EaseRecommender({ lambda: 0.5, dropout: 0, precision })];

      // Act
      await fallen.fit(x, createRng(1));
      await single.fit(x, createRng(1));

      // Assess
      expect(fallen.fitThreads).toEqual({
        requested: 2,
        used: 1,
        fallbackError: 'ERR_WORKER_INIT_FAILED: out of threads',
      });
      expect(single.fitThreads).toEqual({ requested: 1, used: 1 });
      expect(fallen.weights.some((v) => v !== 0)).toBe(true);
      expect(fallen.weights).toEqual(single.weights);
    },
  );

  it.skipIf(UNDER_MUTATION_RUN)('reports the two threads a fit really ran on', async () => {
    const ease = model('float64');

    await ease.fit(makeInteractions({ viewers: 600, shows: threadedShows.float64, seed: 3 }), createRng(1));

    expect(ease.fitThreads).toEqual({ requested: 2, used: 2 });
  });

  it('runs a small catalog on one thread by design, which is not a fallback', async () => {
    const x = makeInteractions({ viewers: 100, shows: 40, seed: 3 });
    const fits = [model('float32', refuse), model('float64', refuse)];

    for (const ease of fits) await ease.fit(x, createRng(1));

    expect(fits.map((ease) => ease.fitThreads)).toEqual([
      { requested: 2, used: 1 },
      { requested: 2, used: 1 },
    ]);
  });
});

/** Gauss–Jordan inverse of a small dense SPD matrix (row-major), the test's own reference. */
function invert(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const pivot = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const factor = m[r][c];
      for (let j = 0; j < 2 * n; j++) m[r][j] -= factor * m[c][j];
    }
  }
  return m.map((row) => row.slice(n));
}

describe('EaseRecommender fits the closed form', () => {
  // 5 viewers × 4 shows with unequal confidences, so λ·mean(G_jj) and dropout·G_jj differ per show.
  const cells: [number, number, number][] = [
    [0, 0, 1],
    [0, 1, 2],
    [1, 1, 1],
    [1, 2, 3],
    [2, 0, 2],
    [2, 2, 1],
    [2, 3, 1],
    [3, 3, 2],
    [3, 1, 1],
    [4, 0, 1],
    [4, 3, 3],
  ];
  const rows = 5;
  const n = 4;
  const x = csrFromTriples(
    rows,
    n,
    Int32Array.from(cells.map(([u]) => u)),
    Int32Array.from(cells.map(([, j]) => j)),
    Float32Array.from(cells.map(([, , w]) => w)),
  );
  const options = { lambda: 0.5, dropout: 0.25 };

  /** B_ij = −P_ij / P_jj (i ≠ j), B_jj = 0 with P = (XᵀX + Λ)⁻¹, Λ_jj = λ·mean(G_jj) + p/(1−p)·G_jj (Steck). */
  function referenceWeights(): number[][] {
    const dense = Array.from({ length: rows }, () => new Array<number>(n).fill(0));
    for (const [u, j, w] of cells) dense[u][j] = w;
    const g = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => dense.reduce((sum, row) => sum + row[i] * row[j], 0)),
    );
    const meanDiag = g.reduce((sum, row, j) => sum + row[j], 0) / n;
    for (let j = 0; j < n; j++) g[j][j] += options.lambda * meanDiag + options.dropout * g[j][j];
    const p = invert(g);
    return p.map((row, i) => row.map((value, j) => (i === j ? 0 : -value / p[j][j])));
  }

  it.each(['float32', 'float64'] as const)('%s: B equals the reference, and scores are x_u·B', async (precision) => {
    // Act
    const ease = new EaseRecommender({ ...options, precision });
    await ease.fit(x, createRng(1));

    // Assess
    const expected = referenceWeights();
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) expect(ease.weights[i * n + j], `B[${i}][${j}]`).toBeCloseTo(expected[i][j], 5);
    }
    // Viewer 2 watched show 0 (w 2), 2 (w 1) and 3 (w 1).
    const scores = new Float32Array(n);
    ease.scoreInto(2, scores);
    for (let j = 0; j < n; j++) {
      expect(scores[j]).toBeCloseTo(2 * expected[0][j] + expected[2][j] + expected[3][j], 5);
    }
    // The watched show contributing most to show 1's score for viewer 2.
    const contributions = [0, 2, 3].map((i) => ({ i, c: (i === 0 ? 2 : 1) * expected[i][1] }));
    const best = contributions.reduce((a, b) => (b.c > a.c ? b : a));
    expect(ease.explain(2, 1)).toBe(best.c > 0 ? best.i : -1);
  });

  it('round-trips through its saved state with the same weights, options and scores', async () => {
    const ease = new EaseRecommender(options);
    await ease.fit(x, createRng(1));
    const restored = EaseRecommender.fromState(ease.state(), x);
    expect(restored.options).toMatchObject(options);
    const [a, b] = [new Float32Array(n), new Float32Array(n)];
    ease.scoreInto(4, a);
    restored.scoreInto(4, b);
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
