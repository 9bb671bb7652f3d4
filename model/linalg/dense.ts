import type { Csr } from './csr.js';

/** A dense row-major matrix, as the style guide fixes it. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/**
 * G = XᵀX (+ diag) as a full symmetric n×n Float64 matrix, n = X.cols. Per viewer row u it adds the outer product
 * x_u x_uᵀ over the row's entries only, so the cost is Σ_u |u|², not viewers × n².
 */
export function gram(
  x: Csr,
  rowStart = 0,
  rowEnd = x.rows,
  out: Float64Array<ArrayBufferLike> = new Float64Array(x.cols * x.cols),
): Float64Array<ArrayBufferLike> {
  const n = x.cols;
  const { indptr, indices, data } = x;
  for (let u = rowStart; u < rowEnd; u++) {
    const start = indptr[u];
    const end = indptr[u + 1];
    for (let p = start; p < end; p++) {
      const rowOffset = indices[p] * n;
      const v = data[p];
      for (let q = start; q < end; q++) out[rowOffset + indices[q]] += v * data[q];
    }
  }
  return out;
}

/** Dot product of a[ao .. ao+len) and b[bo .. bo+len), four accumulators to break the add latency chain. */
function dot(
  a: Float64Array<ArrayBufferLike>,
  ao: number,
  b: Float64Array<ArrayBufferLike>,
  bo: number,
  len: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ao + k] * b[bo + k];
    s1 += a[ao + k + 1] * b[bo + k + 1];
    s2 += a[ao + k + 2] * b[bo + k + 2];
    s3 += a[ao + k + 3] * b[bo + k + 3];
  }
  for (; k < len; k++) s0 += a[ao + k] * b[bo + k];
  return s0 + s1 + s2 + s3;
}

// Second result of dot2 (a module-level slot instead of an allocated pair in the innermost call).
let dot2Second = 0;

/**
 * Σ a·c and Σ b·c over len elements sharing the loads of c (2×1 register blocking: 3 loads per 2 multiply-adds
 * instead of 4). Returns the first sum; the second is left in dot2Second.
 */
function dot2(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  c: Float64Array,
  co: number,
  len: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let t0 = 0;
  let t1 = 0;
  let k = 0;
  for (; k + 1 < len; k += 2) {
    const c0 = c[co + k];
    const c1 = c[co + k + 1];
    s0 += a[ao + k] * c0;
    t0 += b[bo + k] * c0;
    s1 += a[ao + k + 1] * c1;
    t1 += b[bo + k + 1] * c1;
  }
  if (k < len) {
    s0 += a[ao + k] * c[co + k];
    t0 += b[bo + k] * c[co + k];
  }
  dot2Second = t0 + t1;
  return s0 + s1;
}

/** Waits until all `threads` callers reach it (sense-reversing: ctl[0] arrivals, ctl[1] generation). No-op alone. */
export type Barrier = () => void;
export const noBarrier: Barrier = () => {};

/** A barrier over a shared Int32Array(2) for `threads` threads, one of which may be the main thread. */
export function sharedBarrier(ctl: Int32Array, threads: number): Barrier {
  return () => {
    const generation = Atomics.load(ctl, 1);
    if (Atomics.add(ctl, 0, 1) === threads - 1) {
      Atomics.store(ctl, 0, 0);
      Atomics.add(ctl, 1, 1);
      Atomics.notify(ctl, 1);
      return;
    }
    // Spin briefly (a phase step is often microseconds), then sleep until the generation moves.
    for (let spin = 0; spin < 2000; spin++) if (Atomics.load(ctl, 1) !== generation) return;
    while (Atomics.load(ctl, 1) === generation) Atomics.wait(ctl, 1, generation, 50);
  };
}

/**
 * In-place inverse of a symmetric positive definite n×n Float64 matrix (full storage), in three sweeps whose inner
 * loops are all dot products of contiguous row segments, two outputs at a time (dot2):
 *   1. Cholesky A = L Lᵀ by column pairs:  L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj        (lower triangle)
 *   2. U = L⁻ᵀ (upper):   U_ji = −(Σ_{j≤k<i} L_ik U_jk) / L_ii,  U_ii = 1 / L_ii            (upper triangle)
 *   3. A⁻¹ = U Uᵀ:        (A⁻¹)_rb = Σ_{i≥r} U_ri U_bi  for b ≤ r                             (lower, then mirrored)
 * U's diagonal lives in an O(n) side vector because the matrix diagonal still holds L's. Cost ≈ n³/2 multiply-adds.
 *
 * SPMD: every one of `threads` threads calls this with its own `thread` id on the same (shared) matrix. Rows are
 * dealt round-robin; step 1 meets at a barrier per column pair, step 2 needs none (row j of U is only ever read
 * by its owner), step 3 one. Each output is the same sum in the same order whatever the thread count, so results are
 * bit-identical for 1 or 2 threads. Throws RangeError when A is not positive definite.
 */
export function invertSpdInPlace(
  a: Float64Array<ArrayBufferLike>,
  n: number,
  thread = 0,
  threads = 1,
  barrier: Barrier = noBarrier,
  diagU: Float64Array<ArrayBufferLike> = new Float64Array(n),
): void {
  if (a.length !== n * n) throw new RangeError('invertSpdInPlace: matrix is not n×n');
  const pivot = (s: number, i: number): number => {
    if (!(s > 0)) throw new RangeError(`invertSpdInPlace: matrix is not positive definite (pivot ${i})`);
    return Math.sqrt(s);
  };
  const owns = (row: number): boolean => row % threads === thread;
  // 1. Cholesky, columns j and j+1 together: the pivots by thread 0, then every row i > j+1 by its owner.
  for (let j = 0; j < n; j += 2) {
    const rj = j * n;
    const isPair = j + 1 < n;
    const rj1 = rj + n;
    if (thread === 0) {
      a[rj + j] = pivot(a[rj + j] - dot(a, rj, a, rj, j), j);
      if (isPair) {
        a[rj1 + j] = (a[rj1 + j] - dot(a, rj1, a, rj, j)) / a[rj + j];
        a[rj1 + j + 1] = pivot(a[rj1 + j + 1] - dot(a, rj1, a, rj1, j + 1), j + 1);
      }
    }
    barrier();
    const ljj = a[rj + j];
    for (let i = j + (isPair ? 2 : 1); i < n; i++) {
      if (!owns(i)) continue;
      const ri = i * n;
      if (isPair) {
        const s = dot2(a, rj, a, rj1, a, ri, j);
        const lij = (a[ri + j] - s) / ljj;
        a[ri + j] = lij;
        a[ri + j + 1] = (a[ri + j + 1] - dot2Second - lij * a[rj1 + j]) / a[rj1 + j + 1];
      } else a[ri + j] = (a[ri + j] - dot(a, ri, a, rj, j)) / ljj;
    }
    barrier();
  }
  // 2. U = L⁻ᵀ: for columns i and i+1 of U together, each row j < i by its owner.
  for (let i = 0; i < n; i++) diagU[i] = 1 / a[i * n + i];
  for (let i = 0; i < n; i += 2) {
    const ri = i * n;
    const isPair = i + 1 < n;
    const ri1 = ri + n;
    for (let j = 0; j < i; j++) {
      if (!owns(j)) continue;
      const rj = j * n;
      const len = i - j - 1;
      if (isPair) {
        const s = a[ri + j] * diagU[j] + dot2(a, ri + j + 1, a, ri1 + j + 1, a, rj + j + 1, len);
        const uji = -s * diagU[i];
        a[rj + i] = uji;
        a[rj + i + 1] = -(a[ri1 + j] * diagU[j] + dot2Second + a[ri1 + i] * uji) * diagU[i + 1];
      } else a[rj + i] = -(a[ri + j] * diagU[j] + dot(a, ri + j + 1, a, rj + j + 1, len)) * diagU[i];
    }
    if (isPair && owns(i)) a[ri + i + 1] = -(a[ri1 + i] * diagU[i]) * diagU[i + 1];
  }
  barrier();
  // 3. A⁻¹ = U Uᵀ into the lower triangle, entries (r, b) and (r, b+1) together (both dot against row r of U).
  for (let r = 0; r < n; r++) {
    if (!owns(r)) continue;
    const rr = r * n;
    const tail = rr + r + 1;
    const len = n - r - 1;
    let b = 0;
    for (; b + 1 < r; b += 2) {
      const rb = b * n;
      const s = dot2(a, rb + r + 1, a, rb + n + r + 1, a, tail, len);
      a[rr + b] = diagU[r] * a[rb + r] + s;
      a[rr + b + 1] = diagU[r] * a[rb + n + r] + dot2Second;
    }
    for (; b <= r; b++) {
      const rb = b * n;
      const head = diagU[r] * (b === r ? diagU[r] : a[rb + r]);
      a[rr + b] = head + dot(a, tail, a, rb + r + 1, len);
    }
  }
  barrier();
  for (let r = 0; r < n; r++) if (owns(r)) for (let c = r + 1; c < n; c++) a[r * n + c] = a[c * n + r];
  barrier();
}
