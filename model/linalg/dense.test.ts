import { describe, expect, it } from 'vitest';
import { UNDER_MUTATION_RUN } from '../testing/mutation-run.js';
import { csrFromTriples, transpose } from './csr.js';
import { gram, invertSpdInPlace } from './dense.js';
import { invertSpdParallel, sharedFloat64 } from './parallel-inverse.js';

describe('invertSpdInPlace', () => {
  it('inverts a 2×2 matrix to the hand-computed inverse', () => {
    // [[4, 2], [2, 3]]⁻¹ = 1/8 · [[3, −2], [−2, 4]]
    const a = Float64Array.from([4, 2, 2, 3]);
    invertSpdInPlace(a, 2);
    expect([...a].map((v) => v * 8)).toEqual([3, -2, -2, 4].map((v) => expect.closeTo(v, 10)));
  });

  it('gives A·A⁻¹ = I on a larger well-conditioned matrix', () => {
    const n = 9;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = i === j ? n + 1 : 1 / (1 + i + j);
    const inv = a.slice();
    invertSpdInPlace(inv, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
  });

  it('rejects a matrix that is not positive definite', () => {
    expect(() => invertSpdInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(RangeError);
  });
});

describe('sparse helpers', () => {
  it('sums duplicate cells, sorts rows and transposes', () => {
    const m = csrFromTriples(
      2,
      3,
      Int32Array.from([1, 0, 1, 1]),
      Int32Array.from([2, 1, 0, 2]),
      Float32Array.from([1, 5, 2, 3]),
    );
    expect([...m.indptr]).toEqual([0, 1, 3]);
    expect([...m.indices]).toEqual([1, 0, 2]);
    expect([...m.data]).toEqual([5, 2, 4]);
    const t = transpose(m);
    expect([...t.indptr]).toEqual([0, 1, 2, 3]);
    expect([...t.indices]).toEqual([1, 0, 1]);
  });

  it('computes XᵀX from the rows', () => {
    const x = csrFromTriples(
      2,
      2,
      Int32Array.from([0, 0, 1]),
      Int32Array.from([0, 1, 1]),
      Float32Array.from([1, 2, 3]),
    );
    expect([...gram(x)]).toEqual([1, 2, 2, 13]);
  });
});

describe('invertSpdParallel', () => {
  it.skipIf(UNDER_MUTATION_RUN)('gives bit-identical results on two threads and on one', async () => {
    // Prepare: large enough (n ≥ 256) to take the worker path.
    const n = 300;
    const shared = sharedFloat64(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) shared[i * n + j] = i === j ? n : 1 / (1 + ((i + j) % 17));
    const serial = new Float64Array(shared);
    // Act
    await invertSpdParallel(shared, n, 2);
    invertSpdInPlace(serial, n);
    // Assess
    expect(shared.every((v, i) => v === serial[i])).toBe(true);
  });
});
