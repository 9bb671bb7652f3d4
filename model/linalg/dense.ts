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
export function gram(x: Csr, rowStart = 0, rowEnd = x.rows, out = new Float64Array(x.cols * x.cols)): Float64Array {
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
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
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

/**
 * In-place inverse of a symmetric positive definite n×n Float64 matrix (full storage), in three sweeps whose inner
 * loops are all dot products of contiguous row segments, two outputs at a time (dot2):
 *   1. Cholesky A = L Lᵀ:  L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj                      (lower triangle)
 *   2. U = L⁻ᵀ (upper):    U_ji = −(Σ_{j≤k<i} L_ik U_jk) / L_ii,  U_ii = 1 / L_ii          (upper triangle)
 *   3. A⁻¹ = U Uᵀ:         (A⁻¹)_rb = Σ_{i≥r} U_ri U_bi  for b ≤ r                           (lower, then mirrored)
 * U's diagonal lives in an O(n) side vector because the matrix diagonal still holds L's. Cost ≈ n³/2 multiply-adds.
 * Throws RangeError when A is not positive definite.
 */
export function invertSpdInPlace(a: Float64Array, n: number): void {
  if (a.length !== n * n) throw new RangeError('invertSpdInPlace: matrix is not n×n');
  const pivot = (s: number, i: number): number => {
    if (!(s > 0)) throw new RangeError(`invertSpdInPlace: matrix is not positive definite (pivot ${i})`);
    return Math.sqrt(s);
  };
  // 1. Cholesky, rows i and i+1 together (both dot against row j).
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const ri = i * n;
    const ri1 = ri + n;
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      const si = a[ri + j] - dot2(a, ri, a, ri1, a, rj, j);
      const si1 = a[ri1 + j] - dot2Second;
      a[ri + j] = si / a[rj + j];
      a[ri1 + j] = si1 / a[rj + j];
    }
    const lii = pivot(a[ri + i] - dot(a, ri, a, ri, i), i);
    a[ri + i] = lii;
    a[ri1 + i] = (a[ri1 + i] - dot(a, ri1, a, ri, i)) / lii;
    a[ri1 + i + 1] = pivot(a[ri1 + i + 1] - dot(a, ri1, a, ri1, i + 1), i + 1);
  }
  for (; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < i; j++) a[ri + j] = (a[ri + j] - dot(a, ri, a, j * n, j)) / a[j * n + j];
    a[ri + i] = pivot(a[ri + i] - dot(a, ri, a, ri, i), i);
  }
  // 2. U = L⁻ᵀ, columns i and i+1 of U together (both dot against row j of U).
  const diagU = new Float64Array(n);
  i = 0;
  for (; i + 1 < n; i += 2) {
    const ri = i * n;
    const ri1 = ri + n;
    const inv = 1 / a[ri + i];
    const inv1 = 1 / a[ri1 + i + 1];
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      const len = i - j - 1;
      const s = a[ri + j] * diagU[j] + dot2(a, ri + j + 1, a, ri1 + j + 1, a, rj + j + 1, len);
      const uji = -s * inv;
      a[rj + i] = uji;
      const s1 = a[ri1 + j] * diagU[j] + dot2Second + a[ri1 + i] * uji;
      a[rj + i + 1] = -s1 * inv1;
    }
    diagU[i] = inv;
    a[ri + i + 1] = -(a[ri1 + i] * inv) * inv1;
    diagU[i + 1] = inv1;
  }
  for (; i < n; i++) {
    const ri = i * n;
    const inv = 1 / a[ri + i];
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      a[rj + i] = -(a[ri + j] * diagU[j] + dot(a, ri + j + 1, a, rj + j + 1, i - j - 1)) * inv;
    }
    diagU[i] = inv;
  }
  // 3. A⁻¹ = U Uᵀ into the lower triangle, entries (r, b) and (r, b+1) together (both dot against row r of U).
  for (let r = 0; r < n; r++) {
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
  for (let r = 0; r < n; r++) for (let c = r + 1; c < n; c++) a[r * n + c] = a[c * n + r];
}
