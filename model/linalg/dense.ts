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

/**
 * In-place inverse of a symmetric positive definite n×n Float64 matrix (full storage), in three sweeps whose inner
 * loops are all dot products of two contiguous row segments:
 *   1. Cholesky A = L Lᵀ:  L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj                      (lower triangle)
 *   2. U = L⁻ᵀ (upper):    U_ji = −(Σ_{j≤k<i} L_ik U_jk) / L_ii,  U_ii = 1 / L_ii          (upper triangle)
 *   3. A⁻¹ = U Uᵀ:         (A⁻¹)_rb = Σ_{i≥r} U_ri U_bi  for b ≤ r                           (lower, then mirrored)
 * U's diagonal lives in an O(n) side vector because the matrix diagonal still holds L's. Cost ≈ n³/2 multiply-adds.
 * Throws RangeError when A is not positive definite.
 */
export function invertSpdInPlace(a: Float64Array, n: number): void {
  if (a.length !== n * n) throw new RangeError('invertSpdInPlace: matrix is not n×n');
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      const s = a[ri + j] - dot(a, ri, a, rj, j);
      if (i === j) {
        if (!(s > 0)) throw new RangeError(`invertSpdInPlace: matrix is not positive definite (pivot ${i})`);
        a[ri + i] = Math.sqrt(s);
      } else a[ri + j] = s / a[rj + j];
    }
  }
  const diagU = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const inv = 1 / a[ri + i];
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      const s = a[ri + j] * diagU[j] + dot(a, ri + j + 1, a, rj + j + 1, i - j - 1);
      a[rj + i] = -s * inv;
    }
    diagU[i] = inv;
  }
  for (let r = 0; r < n; r++) {
    const rr = r * n;
    for (let b = 0; b <= r; b++) {
      const rb = b * n;
      const head = diagU[r] * (b === r ? diagU[r] : a[rb + r]);
      a[rr + b] = head + dot(a, rr + r + 1, a, rb + r + 1, n - r - 1);
    }
  }
  for (let r = 0; r < n; r++) for (let c = r + 1; c < n; c++) a[r * n + c] = a[c * n + r];
}
