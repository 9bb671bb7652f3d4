import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { GENERATED_WASM_PATH, renderSweepWasmModule } from '../../scripts/gen-wasm.js';
import { makeInteractions } from '../testing/fixtures.js';
import { UNDER_MUTATION_RUN } from '../testing/mutation-run.js';
import { realThenExiting } from '../testing/workers.js';
import type { Csr } from './csr.js';
import { gram, invertSpdInPlace } from './dense.js';
import { gramInverse } from './sweep-parallel.js';
import type { SpawnWorker } from './workers.js';

/** (XᵀX + diag(ridge))⁻¹ by the Float64 Cholesky of dense.ts, the reference. */
function referenceInverse(x: Csr, ridge: Float64Array): Float64Array {
  const n = x.cols;
  const g = gram(x) as Float64Array;
  for (let j = 0; j < n; j++) g[j * n + j] += ridge[j];
  invertSpdInPlace(g, n);
  return g;
}

/** max |a − b| / max |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

describe('gramInverse (float32 blocked sweep on WebAssembly SIMD)', () => {
  it('keeps the generated WebAssembly module identical to sweep.wat', async () => {
    expect(readFileSync(GENERATED_WASM_PATH, 'utf8')).toBe(await renderSweepWasmModule());
  });

  it('matches the Float64 Cholesky inverse to float32 accuracy, on a size that needs padding', async () => {
    // Prepare: 150 shows (padded to 160 with a block of 32), ridge like EASE's.
    const x = makeInteractions({ viewers: 400, shows: 150, groups: 5, perViewer: 12, seed: 4 });
    const ridge = new Float64Array(x.cols).fill(15);

    // Act
    const result = await gramInverse(x, ridge, 1);

    // Assess: both triangles filled and symmetric, close to the reference.
    const p = result?.matrix ?? new Float32Array(0);
    expect(p).toHaveLength(x.cols * x.cols);
    expect(relativeError(p, referenceInverse(x, ridge))).toBeLessThan(1e-5);
    expect(p[3 * x.cols + 7]).toBe(p[7 * x.cols + 3]);
  });

  it.skipIf(UNDER_MUTATION_RUN)(
    'gives the same inverse on two threads as on one (each cell sums in the same order)',
    async () => {
      // Prepare: large enough (≥ 512 shows) for the worker thread to join.
      const x = makeInteractions({ viewers: 1500, shows: 600, groups: 6, perViewer: 20, seed: 9 });
      const ridge = new Float64Array(x.cols).fill(30);

      // Act
      const one = await gramInverse(x, ridge, 1);
      const two = await gramInverse(x, ridge, 2);

      // Assess: an undefined result on both sides would make the equality trivially true, so check the shape first,
      // and that two threads really ran (a silent fallback to one would make the equality trivially true too).
      expect(one?.matrix).toHaveLength(x.cols * x.cols);
      expect(one?.threads).toBe(1);
      expect(two?.threads).toBe(2);
      expect(two?.fallback).toBeUndefined();
      expect(two?.matrix).toEqual(one?.matrix);
      expect(relativeError(two?.matrix ?? [], referenceInverse(x, ridge))).toBeLessThan(1e-5);
    },
  );

  it("writes EASE's weights B_ij = −P_ij / P_jj with a zero diagonal when asked", async () => {
    const x = makeInteractions({ viewers: 200, shows: 40, groups: 4, perViewer: 6, seed: 2 });
    const ridge = new Float64Array(x.cols).fill(5);
    const p = referenceInverse(x, ridge);
    const n = x.cols;

    const b = (await gramInverse(x, ridge, 1, 'easeWeights'))?.matrix ?? new Float32Array(0);
    expect(b).toHaveLength(n * n);

    const expected = Float64Array.from({ length: n * n }, (_, c) => {
      const [i, j] = [Math.floor(c / n), c % n];
      return i === j ? 0 : -p[c] / p[j * n + j];
    });
    expect(relativeError(b, expected)).toBeLessThan(1e-5);
    expect(b[5 * n + 5]).toBe(0);
  });
});

describe('gramInverse when its worker threads fail to start (#17)', () => {
  // Just large enough (≥ 512 shows) for gramInverse to ask for workers.
  const x = makeInteractions({ viewers: 1200, shows: 512, groups: 4, perViewer: 16, seed: 11 });
  const ridge = new Float64Array(x.cols).fill(20);

  it('runs on one thread, reporting the error, when a worker cannot be spawned', async () => {
    // Prepare
    const refused = new Error('ERR_WORKER_INIT_FAILED: out of threads');
    const spawn: SpawnWorker = () => {
      throw refused;
    };

    // Act
    const one = await gramInverse(x, ridge, 1);
    const fallen = await gramInverse(x, ridge, 2, 'inverse', spawn);

    // Assess
    expect(fallen?.threads).toBe(1);
    expect(fallen?.fallback).toEqual({ threadsAsked: 2, threadsUsed: 1, error: refused });
    expect(one?.matrix).toHaveLength(x.cols * x.cols);
    expect(fallen?.matrix).toEqual(one?.matrix);
  });

  it('runs on one thread, reporting the error, when a worker throws before it is ready', async () => {
    const spawn: SpawnWorker = () => new Worker('throw new Error("cannot load the kernel")', { eval: true });

    const one = await gramInverse(x, ridge, 1, 'easeWeights');
    const fallen = await gramInverse(x, ridge, 2, 'easeWeights', spawn);

    expect(fallen?.threads).toBe(1);
    expect(fallen?.fallback).toMatchObject({ threadsAsked: 2, threadsUsed: 1 });
    expect(String(fallen?.fallback?.error)).toMatch(/cannot load the kernel/);
    expect(one?.matrix).toHaveLength(x.cols * x.cols);
    expect(fallen?.matrix).toEqual(one?.matrix);
  });

  it.skipIf(UNDER_MUTATION_RUN)(
    'runs on one thread, reporting the error, when a worker exits before it is ready (and stops the one that started)',
    async () => {
      // Prepare: the first worker is the real kernel, which says ready and waits for 'go'; the second exits once the
      // first is ready.
      const started: Worker[] = [];
      const spawn = realThenExiting(started);

      // Act
      const one = await gramInverse(x, ridge, 1);
      const fallen = await gramInverse(x, ridge, 3, 'inverse', spawn);

      // Assess: a stopped worker's threadId is -1; the kernel waiting for 'go' would still be running had it been left.
      expect(fallen?.threads).toBe(1);
      expect(fallen?.fallback).toMatchObject({ threadsAsked: 3, threadsUsed: 1 });
      expect(String(fallen?.fallback?.error)).toMatch(/worker exited 3 before it was ready/);
      expect(started.map((worker) => worker.threadId)).toEqual([-1, -1]);
      expect(fallen?.matrix).toEqual(one?.matrix);
    },
  );

  it('is not a fallback when one thread is all that was asked for, or the catalog is below the threshold', async () => {
    const small = makeInteractions({ viewers: 200, shows: 40, seed: 2 });

    const results = [await gramInverse(x, ridge, 1), await gramInverse(small, new Float64Array(40).fill(5), 2)];

    expect(results.map((r) => [r?.threads, r?.fallback])).toEqual([
      [1, undefined],
      [1, undefined],
    ]);
  });
});
