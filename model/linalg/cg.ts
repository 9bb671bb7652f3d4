import type { Csr } from './csr.js';

/**
 * Σ a[ao+k]·b[k] for k < len, with four accumulators: a single running sum is bound by the add latency (≈ 1.7 ns
 * per term measured here), four independent ones are not. dense.ts's `dot` is the same loop, kept apart on purpose:
 * V8 specialises a function's element loads on the array types it has seen, this one reads Float32 factors, and
 * sharing it would make the Cholesky kernel's Float64-only loads polymorphic (issue #17).
 */
function dot4(
  a: Float64Array<ArrayBufferLike> | Float32Array<ArrayBufferLike>,
  ao: number,
  b: Float64Array,
  len: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ao + k] * b[k];
    s1 += a[ao + k + 1] * b[k + 1];
    s2 += a[ao + k + 2] * b[k + 2];
    s3 += a[ao + k + 3] * b[k + 3];
  }
  for (; k < len; k++) s0 += a[ao + k] * b[k];
  return s0 + s1 + s2 + s3;
}

/** The smallest o_u / ō a row's ridge is computed from (rows with nothing observed). */
const MIN_RELATIVE_MASS = 1e-3;

/**
 * One sweep of iALS updates (Hu, Koren & Volinsky 2008) with the conjugate-gradient solver of Takács et al. 2011, as
 * in implicit's `_als.pyx`: for each row u of `cui` (confidence c_ui = 1 + α·w_ui on observed cells, 1 elsewhere),
 *   (YᵀY + Yᵀ(C_u − I)Y + λI) x_u = Yᵀ C_u p_u
 * is solved approximately by `cgSteps` CG iterations warm-started from the current x_u. The regularisation is
 * scaled by the row's observed loss mass o_u = α Σ_i w_ui (Rendle et al. 2021's frequency scaling):
 *   λ_u = λ · ō · (o_u / ō)^ν,   ō = the mean o_u of this side
 * ν = 1 is Rendle's frequency-scaled λ·o_u, ν = 0 a constant λ·ō. λ is relative to the observed data, not to the
 * m columns' unobserved weight: scaling by m + o_u (the whole loss mass) made the best λ shrink as catalogs and
 * audiences grew, and λ = 0.03 tuned on MovieLens-100K (m = 943 / 1,649) collapsed every factor to zero at
 * 5,000–20,000 shows (bench/README.md, "Quality of the large-catalog path").
 * YtY (f×f, Float64) is
 * computed once per sweep by the caller; the sparse correction only touches the row's observed items, so a sweep
 * costs O(nnz·f·cgSteps + rows·f²·cgSteps). Rows [rowStart, rowEnd) are solved, so workers can split a sweep.
 */
export function ialsSweep(
  cui: Csr,
  alpha: number,
  x: Float32Array<ArrayBufferLike>,
  y: Float32Array<ArrayBufferLike>,
  f: number,
  ytY: Float64Array<ArrayBufferLike>,
  regularization: number,
  cgSteps: number,
  rowStart = 0,
  rowEnd = cui.rows,
  frequencyExponent = 0,
): void {
  const { indptr, indices, data } = cui;
  let totalWeight = 0;
  for (let q = 0; q < indptr[cui.rows]; q++) totalWeight += data[q];
  const meanMass = Math.max((alpha * totalWeight) / Math.max(1, cui.rows), Number.MIN_VALUE);
  const xu = new Float64Array(f);
  const r = new Float64Array(f);
  const p = new Float64Array(f);
  const ap = new Float64Array(f);
  for (let u = rowStart; u < rowEnd; u++) {
    const xo = u * f;
    for (let a = 0; a < f; a++) xu[a] = x[xo + a];
    let mass = 0;
    for (let q = indptr[u]; q < indptr[u + 1]; q++) mass += alpha * data[q];
    // A row nothing observed (a show no one watched) keeps a small ridge, so its system stays positive definite.
    const relative = Math.max(mass / meanMass, MIN_RELATIVE_MASS);
    const lambda = regularization * meanMass * (frequencyExponent === 0 ? 1 : relative ** frequencyExponent);
    // r = b − A x_u = Σ_i (c_ui − (c_ui − 1)(y_i·x_u)) y_i − YᵀY x_u − λ x_u
    for (let a = 0; a < f; a++) r[a] = -dot4(ytY, a * f, xu, f) - lambda * xu[a];
    for (let q = indptr[u]; q < indptr[u + 1]; q++) {
      const c = 1 + alpha * data[q];
      const yo = indices[q] * f;
      const coef = c - (c - 1) * dot4(y, yo, xu, f);
      for (let a = 0; a < f; a++) r[a] += coef * y[yo + a];
    }
    let rsOld = 0;
    for (let a = 0; a < f; a++) {
      p[a] = r[a];
      rsOld += r[a] * r[a];
    }
    for (let step = 0; step < cgSteps && rsOld > 1e-20; step++) {
      // Ap = YᵀY p + λ p + Σ_i (c_ui − 1)(y_i·p) y_i
      for (let a = 0; a < f; a++) ap[a] = dot4(ytY, a * f, p, f) + lambda * p[a];
      for (let q = indptr[u]; q < indptr[u + 1]; q++) {
        const yo = indices[q] * f;
        const coef = alpha * data[q] * dot4(y, yo, p, f);
        for (let a = 0; a < f; a++) ap[a] += coef * y[yo + a];
      }
      let pAp = 0;
      for (let a = 0; a < f; a++) pAp += p[a] * ap[a];
      if (!(pAp > 0)) break;
      const step_ = rsOld / pAp;
      let rsNew = 0;
      for (let a = 0; a < f; a++) {
        xu[a] += step_ * p[a];
        r[a] -= step_ * ap[a];
        rsNew += r[a] * r[a];
      }
      const beta = rsNew / rsOld;
      for (let a = 0; a < f; a++) p[a] = r[a] + beta * p[a];
      rsOld = rsNew;
    }
    for (let a = 0; a < f; a++) x[xo + a] = xu[a];
  }
}

/** YᵀY of a rows×f row-major factor matrix, Float64 (f×f). */
export function gramian(
  y: Float32Array<ArrayBufferLike>,
  rows: number,
  f: number,
  out: Float64Array<ArrayBufferLike> = new Float64Array(f * f),
): Float64Array<ArrayBufferLike> {
  out.fill(0);
  for (let i = 0; i < rows; i++) {
    const yo = i * f;
    for (let a = 0; a < f; a++) {
      const v = y[yo + a];
      if (v === 0) continue;
      const ro = a * f;
      for (let b = 0; b < f; b++) out[ro + b] += v * y[yo + b];
    }
  }
  return out;
}
