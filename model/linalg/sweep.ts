import type { Csr } from './csr.js';
import { type Barrier, invertSpdInPlace, noBarrier } from './dense.js';
import { sweepWasmBase64 } from './sweep-wasm.generated.js';

/**
 * P = (XᵀX + diag(ridge))⁻¹ in float32 by the blocked sweep operator (Goodnight 1979; Gauss–Jordan on an SPD
 * matrix), on WebAssembly SIMD (sweep.wat) and worker threads (sweep-parallel.ts).
 *
 * Sweeping pivot block K of the symmetric matrix S, with D = S_KK and I the other indices:
 *   S_KK ← −D⁻¹,   S_IK ← S_IK D⁻¹ (= W_I),   S_KI ← W_Iᵀ,   S_II ← S_II − W_I S_KI      (rank-b update)
 * and sweeping every block in turn leaves S = −A⁻¹. Only the lower triangle is stored and updated, so the cost is
 * n³ flops (numpy's `inv`, LU plus n solves, is ≈ 2.7 n³), almost all in one kernel: the rank-b update, blocked for
 * cache in sweep.wat. Pivot blocks D are SPD Schur complements, inverted in Float64 (dense.ts). XᵀX is accumulated
 * straight into the float32 matrix over each viewer's entries (Σ_u |u|²/2 multiply-adds, not viewers × n²).
 *
 * Layout (float32 offsets in one shared WebAssembly memory), N = n padded to a multiple of the block b (padding is
 * an identity block, which the sweep leaves decoupled):
 *   A  N×N row-major (lower triangle)   VG, WP  N×b packed in groups of 4 rows (X operand of sweep.wat)
 *   VP N×b packed in tiles of 8 rows (Y operand)   W  N×b row-major   DP  b×b tile-packed −D⁻¹, one per thread
 */
export interface SweepLayout {
  readonly n: number;
  readonly ld: number;
  readonly block: number;
  readonly vg: number;
  readonly vp: number;
  readonly w: number;
  readonly wp: number;
  readonly dp: number;
  readonly bytes: number;
}

/** Largest padded size whose buffers fit 32-bit WebAssembly addressing with room to spare. */
const maxBytes = 3.5 * 2 ** 30;

export function sweepLayout(n: number, threads: number): SweepLayout | undefined {
  const block = n >= 1536 ? 128 : n >= 256 ? 64 : 32;
  const ld = Math.ceil(n / block) * block;
  const vg = ld * ld;
  const vp = vg + ld * block;
  const w = vp + ld * block;
  const wp = w + ld * block;
  const dp = wp + ld * block;
  const bytes = (dp + threads * block * block) * 4;
  return bytes > maxBytes ? undefined : { n, ld, block, vg, vp, w, wp, dp, bytes };
}

export interface SweepKernel {
  rankUpdate(
    c: number,
    ldc: number,
    x: number,
    y: number,
    kb: number,
    g0: number,
    g1: number,
    tiles: number,
    lower: number,
  ): void;
}

/** A shared memory big enough for the layout (zero-filled, as fresh WebAssembly memory is). */
export function sweepMemory(layout: SweepLayout): WebAssembly.Memory {
  const pages = Math.ceil(layout.bytes / 65536);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

let compiled: WebAssembly.Module | undefined;

/** Instantiates sweep.wat on the given (shared) memory; compilation is done once per thread. */
export function sweepKernel(memory: WebAssembly.Memory): SweepKernel {
  compiled ??= new WebAssembly.Module(Buffer.from(sweepWasmBase64, 'base64'));
  return new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as SweepKernel;
}

/** Rows [start, end) of each thread: boundaries on multiples of 8, balancing the lower triangle's area (∝ row²). */
export function threadRows(ld: number, threads: number): number[] {
  const bounds = [0];
  for (let t = 1; t < threads; t++) bounds.push(Math.min(ld, Math.round((ld * Math.sqrt(t / threads)) / 8) * 8));
  bounds.push(ld);
  return bounds;
}

/** One thread's share of a sweep inverse: what every thread (main or worker) runs, SPMD, between barriers. */
export interface SweepJob {
  readonly layout: SweepLayout;
  readonly x: Csr;
  /** Xᵀ (shows × viewers), for the Gram's row-by-row order. */
  readonly xt: Csr;
  readonly ridge: Float64Array<ArrayBufferLike>;
  readonly out: Float32Array<ArrayBufferLike>;
  /** What `out` receives: the inverse P, or EASE's weights B computed from it. */
  readonly output: 'inverse' | 'easeWeights';
  readonly thread: number;
  readonly threads: number;
}

/** Seconds spent in each phase, as seen by thread 0. */
export interface SweepTimings {
  gramSeconds: number;
  inverseSeconds: number;
}

/** Runs one thread's part of gram + sweep + unpack; `barrier` joins all threads between phases. */
export function runSweepJob(job: SweepJob, memory: WebAssembly.Memory, barrier: Barrier = noBarrier): SweepTimings {
  const { layout, thread, threads } = job;
  const f = new Float32Array(memory.buffer);
  const kernel = sweepKernel(memory);
  const bounds = threadRows(layout.ld, threads);
  const r0 = bounds[thread];
  const r1 = bounds[thread + 1];
  const started = performance.now();
  accumulateGram(f, layout, job, r0, r1);
  barrier();
  const gramDone = performance.now();
  const dInv = new Float64Array(layout.block * layout.block);
  for (let k0 = 0; k0 < layout.ld; k0 += layout.block) {
    gatherPanel(f, layout, k0, r0, r1);
    barrier();
    invertPivot(f, layout, k0, thread, dInv);
    panelTimesPivotInverse(f, kernel, layout, thread, r0, r1);
    // S_II −= W_I S_KI: the whole lower triangle of this thread's rows (cells in K are overwritten next).
    kernel.rankUpdate(0, layout.ld * 4, layout.wp * 4, layout.vp * 4, layout.block, r0 / 4, r1 / 4, layout.ld / 8, 1);
    barrier();
    writePivotBlock(f, layout, k0, dInv, r0, r1);
    barrier();
  }
  const sweepDone = performance.now();
  unpack(f, layout, job, r0, Math.min(r1, layout.n));
  barrier();
  return { gramSeconds: (gramDone - started) / 1000, inverseSeconds: (sweepDone - gramDone) / 1000 };
}

/**
 * A_ij += Σ_u x_ui x_uj for j ≤ i over this thread's rows i, then A_ii += ridge_i (padding: A_ii = 1). Row by row
 * through Xᵀ (the viewers of show i), so the row being summed into stays in L1 instead of every multiply-add
 * missing cache.
 */
function accumulateGram(f: Float32Array, l: SweepLayout, job: SweepJob, r0: number, r1: number) {
  const { indptr, indices, data } = job.x;
  const xt = job.xt;
  for (let i = r0; i < Math.min(r1, l.n); i++) {
    const row = i * l.ld;
    for (let p = xt.indptr[i]; p < xt.indptr[i + 1]; p++) {
      const u = xt.indices[p];
      const v = xt.data[p];
      // Each viewer's shows are sorted (csr.ts): stop at the first j > i.
      for (let q = indptr[u]; q < indptr[u + 1] && indices[q] <= i; q++) f[row + indices[q]] += v * data[q];
    }
  }
  for (let i = r0; i < r1; i++) f[i * l.ld + i] += i < l.n ? job.ridge[i] : 1;
}

/** V = S_{·,K} for this thread's rows, packed twice: VG (groups of 4 rows) and VP (tiles of 8 rows). */
function gatherPanel(f: Float32Array, l: SweepLayout, k0: number, r0: number, r1: number) {
  const { ld, block: b } = l;
  for (let i = r0; i < r1; i++) {
    const g = l.vg + (i >> 2) * b * 4 + (i & 3);
    const t = l.vp + (i >> 3) * b * 8 + (i & 7);
    for (let k = 0; k < b; k++) {
      const j = k0 + k;
      const v = i >= j ? f[i * ld + j] : f[j * ld + i];
      f[g + k * 4] = v;
      f[t + k * 8] = v;
    }
  }
}

/**
 * dInv = D⁻¹ (Float64, D = S_KK, SPD), and this thread's DP = −D⁻¹ tile-packed as the Y operand. D is read from
 * the gathered panel VP, not from A, which other threads are already updating.
 */
function invertPivot(f: Float32Array, l: SweepLayout, k0: number, thread: number, dInv: Float64Array) {
  const b = l.block;
  for (let k = 0; k < b; k++) {
    const i = k0 + k;
    for (let m = 0; m <= k; m++) {
      const v = f[l.vp + (i >> 3) * b * 8 + m * 8 + (i & 7)];
      dInv[k * b + m] = v;
      dInv[m * b + k] = v;
    }
  }
  invertSpdInPlace(dInv, b);
  const dp = l.dp + thread * b * b;
  for (let k = 0; k < b; k++) for (let j = 0; j < b; j++) f[dp + ((j >> 3) * b + k) * 8 + (j & 7)] = -dInv[k * b + j];
}

/** W = V D⁻¹ for this thread's rows (row-major, then repacked in groups of 4 as the X operand WP). */
function panelTimesPivotInverse(
  f: Float32Array,
  kernel: SweepKernel,
  l: SweepLayout,
  thread: number,
  r0: number,
  r1: number,
) {
  const b = l.block;
  f.fill(0, l.w + r0 * b, l.w + r1 * b);
  // W −= VG · (−D⁻¹)
  kernel.rankUpdate(l.w * 4, b * 4, l.vg * 4, (l.dp + thread * b * b) * 4, b, r0 / 4, r1 / 4, b / 8, 0);
  for (let i = r0; i < r1; i++) {
    const g = l.wp + (i >> 2) * b * 4 + (i & 3);
    const w = l.w + i * b;
    for (let k = 0; k < b; k++) f[g + k * 4] = f[w + k];
  }
}

/** The swept block's cells in this thread's rows: S_IK ← W_I (lower side), S_KK ← −D⁻¹, S_Kj ← W_jᵀ for j < k0. */
function writePivotBlock(f: Float32Array, l: SweepLayout, k0: number, dInv: Float64Array, r0: number, r1: number) {
  const { ld, block: b } = l;
  for (let i = r0; i < r1; i++) {
    const row = i * ld;
    if (i >= k0 + b) {
      for (let k = 0; k < b; k++) f[row + k0 + k] = f[l.w + i * b + k];
    } else if (i >= k0) {
      const k = i - k0;
      for (let m = 0; m <= k; m++) f[row + k0 + m] = -dInv[k * b + m];
      for (let j = 0; j < k0; j++) f[row + j] = f[l.w + j * b + k];
    }
  }
}

/**
 * out (n×n, both triangles) from the swept S = −P, this thread's rows, in 64×64 blocks so the transposed reads of
 * the upper triangle stay in cache: `inverse` writes P_ij = −S_ij; `easeWeights` writes EASE's B_ij = −P_ij / P_jj
 * = −S_ij / S_jj with B_jj = 0 (Steck 2019), saving the model another n² pass.
 */
function unpack(f: Float32Array, l: SweepLayout, job: SweepJob, r0: number, r1: number) {
  const { n, ld } = l;
  const out = job.out;
  const isEase = job.output === 'easeWeights';
  for (let ib = r0; ib < r1; ib += 64) {
    for (let jb = 0; jb < n; jb += 64) {
      for (let i = ib; i < Math.min(ib + 64, r1); i++) {
        const row = i * n;
        for (let j = jb; j < Math.min(jb + 64, n); j++) {
          const s = j <= i ? f[i * ld + j] : f[j * ld + i];
          out[row + j] = isEase ? (i === j ? 0 : -s / f[j * ld + j]) : -s;
        }
      }
    }
  }
}
