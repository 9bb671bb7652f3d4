import { describe, expect, it } from 'vitest';
import { IalsRecommender } from '../ials.js';
import { createRng } from '../rng.js';
import { gramian, ialsSweep } from './cg.js';
import { type Csr, csrFromTriples, transpose } from './csr.js';

// ialsSweep's CG must land on the exact iALS solution when it runs f steps (CG on an f×f SPD system converges in f
// steps, up to rounding). The reference here builds that system explicitly, as the docstring in cg.ts writes it,
//   (YᵀY + Σ_i (c_ui − 1) y_i y_iᵀ + λ_u I) x_u = Σ_i c_ui y_i,   c_ui = 1 + α w_ui,
//   λ_u = λ · ō · max(o_u / ō, 10⁻³)^ν,   o_u = α Σ_i w_ui,   ō = mean o_u over the side's rows,
// and solves it by Gaussian elimination, so a wrong sign, weight or ridge anywhere in the sweep moves the answer.

const F = 5; // odd, so dot4's four-wide loop and its remainder both run
const ALPHA = 2;
const LAMBDA = 0.3;

/** Row 0: three shows with varied weights; row 1: one show; row 2: nothing observed; row 3: two shows. */
function interactions(): Csr {
  return csrFromTriples(
    4,
    6,
    Int32Array.from([0, 0, 0, 1, 3, 3]),
    Int32Array.from([0, 2, 5, 1, 2, 4]),
    Float32Array.from([1, 3, 0.5, 2, 1, 4]),
  );
}

function randomFactors(rows: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: rows * F }, () => rng.next() - 0.5);
}

/** Solves A x = b (n×n, row-major) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = m[r][col] / m[col][col];
      for (let c = col; c <= n; c++) m[r][c] -= factor * m[col][c];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** The exact iALS solution of row u, from the system written out above. */
function exactRow(cui: Csr, y: Float32Array, u: number, nu: number): number[] {
  let total = 0;
  for (let q = 0; q < cui.indptr[cui.rows]; q++) total += cui.data[q];
  const meanMass = (ALPHA * total) / cui.rows;
  let mass = 0;
  for (let q = cui.indptr[u]; q < cui.indptr[u + 1]; q++) mass += ALPHA * cui.data[q];
  const ridge = LAMBDA * meanMass * Math.max(mass / meanMass, 1e-3) ** nu;
  const a = Array.from({ length: F }, (_, r) => Array.from({ length: F }, (_, c) => (r === c ? ridge : 0)));
  const b = new Array<number>(F).fill(0);
  for (let i = 0; i < y.length / F; i++)
    for (let r = 0; r < F; r++) for (let c = 0; c < F; c++) a[r][c] += y[i * F + r] * y[i * F + c];
  for (let q = cui.indptr[u]; q < cui.indptr[u + 1]; q++) {
    const c = 1 + ALPHA * cui.data[q];
    const yo = cui.indices[q] * F;
    for (let r = 0; r < F; r++) {
      b[r] += c * y[yo + r];
      for (let s = 0; s < F; s++) a[r][s] += (c - 1) * y[yo + r] * y[yo + s];
    }
  }
  return solve(a, b);
}

const rowOf = (x: Float32Array, u: number) => Array.from(x.subarray(u * F, (u + 1) * F));

function expectClose(actual: number[], expected: number[]) {
  const scale = Math.max(...expected.map(Math.abs));
  expect(scale).toBeGreaterThan(0.01);
  for (const [i, v] of actual.entries()) expect(Math.abs(v - expected[i])).toBeLessThan(1e-4 * scale);
}

describe('gramian', () => {
  it('is YᵀY, overwriting whatever the output held', () => {
    const y = randomFactors(6, 1);
    y[2] = 0; // a zero factor is skipped, not mis-summed
    const out = new Float64Array(F * F).fill(7);

    gramian(y, 6, F, out);

    for (let r = 0; r < F; r++)
      for (let c = 0; c < F; c++) {
        let expected = 0;
        for (let i = 0; i < 6; i++) expected += y[i * F + r] * y[i * F + c];
        expect(out[r * F + c]).toBeCloseTo(expected, 10);
      }
  });
});

describe('ialsSweep', () => {
  it.each([
    { nu: 0, label: 'a constant ridge λ·ō' },
    { nu: 0.5, label: 'the frequency-scaled ridge λ·ō·(o_u/ō)^0.5' },
    { nu: 1, label: "Rendle's λ·o_u" },
  ])('solves each row exactly in f CG steps, with $label', ({ nu }) => {
    // Prepare: random show factors and a non-zero warm start for every viewer.
    const cui = interactions();
    const y = randomFactors(cui.cols, 2);
    const x = randomFactors(cui.rows, 3);

    // Act
    ialsSweep(cui, ALPHA, x, y, F, gramian(y, cui.cols, F), LAMBDA, F, 0, cui.rows, nu);

    // Assess: rows with interactions match the explicit solve; the empty row's right side is 0, so is its solution.
    for (const u of [0, 1, 3]) expectClose(rowOf(x, u), exactRow(cui, y, u, nu));
    for (const v of rowOf(x, 2)) expect(Math.abs(v)).toBeLessThan(1e-6);
  });

  it('solves only rows [rowStart, rowEnd), leaving the others as they were', () => {
    const cui = interactions();
    const y = randomFactors(cui.cols, 4);
    const x = randomFactors(cui.rows, 5);
    const before = Float32Array.from(x);

    ialsSweep(cui, ALPHA, x, y, F, gramian(y, cui.cols, F), LAMBDA, F, 1, 3);

    expect(rowOf(x, 0)).toEqual(rowOf(before, 0));
    expect(rowOf(x, 3)).toEqual(rowOf(before, 3));
    expectClose(rowOf(x, 1), exactRow(cui, y, 1, 0));
    // The ridge's mean mass is over every row of the side, not only the rows being solved.
    for (const v of rowOf(x, 2)) expect(Math.abs(v)).toBeLessThan(1e-6);
  });

  it('takes exactly one steepest-descent step when cgSteps is 1, and none when it is 0', () => {
    // From x_u = 0 the residual is b, so one CG step is x_u = (bᵀb / bᵀA b) b.
    const cui = interactions();
    const y = randomFactors(cui.cols, 6);
    const ytY = gramian(y, cui.cols, F);
    const x = new Float32Array(cui.rows * F);
    const untouched = randomFactors(cui.rows, 7);
    const copy = Float32Array.from(untouched);

    ialsSweep(cui, ALPHA, x, y, F, ytY, LAMBDA, 1, 0, 1);
    ialsSweep(cui, ALPHA, untouched, y, F, ytY, LAMBDA, 0);

    expect(untouched).toEqual(copy);
    const b = new Array<number>(F).fill(0);
    for (let q = cui.indptr[0]; q < cui.indptr[1]; q++) {
      const yo = cui.indices[q] * F;
      for (let r = 0; r < F; r++) b[r] += (1 + ALPHA * cui.data[q]) * y[yo + r];
    }
    // A b from the same system exactRow builds: A b = YᵀY b + Σ (c − 1)(y_i·b) y_i + λ_0 b.
    let total = 0;
    for (let q = 0; q < cui.indptr[cui.rows]; q++) total += cui.data[q];
    const ridge = LAMBDA * ((ALPHA * total) / cui.rows);
    const ab = b.map((bv, r) => ridge * bv + b.reduce((s, bc, c) => s + ytY[r * F + c] * bc, 0));
    for (let q = cui.indptr[0]; q < cui.indptr[1]; q++) {
      const yo = cui.indices[q] * F;
      const dotYb = b.reduce((s, bv, r) => s + y[yo + r] * bv, 0);
      for (let r = 0; r < F; r++) ab[r] += ALPHA * cui.data[q] * dotYb * y[yo + r];
    }
    const step = b.reduce((s, v) => s + v * v, 0) / b.reduce((s, v, r) => s + v * ab[r], 0);
    expectClose(
      rowOf(x, 0),
      b.map((v) => step * v),
    );
  });
});

describe('IalsRecommender.fit', () => {
  it("ends with show factors that solve the show-side iALS system for the fitted viewers' factors", async () => {
    // With cg_steps = f every half-sweep is an exact solve, so the last one (shows, given viewers) can be checked
    // against the explicit system built on the transposed interactions.
    const cui = interactions();
    const ials = new IalsRecommender({
      factors: F,
      iterations: 2,
      regularization: LAMBDA,
      alpha: ALPHA,
      cgSteps: F,
      threads: 1,
    });

    await ials.fit(cui, createRng(8));

    const byShow = transpose(cui);
    for (let show = 0; show < cui.cols; show++) {
      const expected = exactRow(byShow, ials.userFactors, show, 0);
      if (Math.max(...expected.map(Math.abs)) === 0) continue;
      expectClose(rowOf(ials.itemFactors, show), expected);
    }
    expect(ials.itemFactors.some((v) => v !== 0)).toBe(true);
  });
});
