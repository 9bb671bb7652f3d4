import { type Csr, nnz } from './linalg/csr.js';
import { gram } from './linalg/dense.js';
import { invertSpdParallel, sharedFloat64 } from './linalg/parallel-inverse.js';
import { gramInverse } from './linalg/sweep-parallel.js';
import type { SpawnWorker } from './linalg/workers.js';
import {
  type FitThreads,
  fitThreadsOf,
  type ModelState,
  mostContributingWatched,
  type Ranked,
  type Recommender,
  topK,
} from './recommender.js';
import type { Rng } from './rng.js';

export interface EaseOptions {
  /** L2 weight λ (Steck 2019), in units of the mean diagonal of XᵀX so it carries over across data scales and weightings. */
  readonly lambda: number;
  /** Dropout-emphasis term p/(1−p) added per item as p/(1−p)·G_jj (EDLAE, Steck 2020); 0 = plain EASE. */
  readonly dropout: number;
  /** Threads for the Gram and the inverse (worker threads over shared memory). */
  readonly threads?: number;
  /**
   * float32: blocked sweep inverse on WebAssembly SIMD (linalg/sweep.ts), ≈ 3× faster; float64: Cholesky in plain
   * TypeScript (linalg/dense.ts). NDCG@10 agrees to 4 decimals on MovieLens-100K (bench/README.md).
   */
  readonly precision?: 'float32' | 'float64';
  /** How worker threads are started (tests make it fail); linalg/workers.ts's spawnSelf by default. */
  readonly spawnWorker?: SpawnWorker;
}

/** Seconds of the last fit's two steps (bench/model.bench.ts reports them next to NumPy's). */
export interface EaseFitTimings {
  readonly gramSeconds: number;
  readonly inverseSeconds: number;
  readonly precision: 'float32' | 'float64';
}

/** Λ's diagonal: λ·mean(G_jj) + p/(1−p)·G_jj + 1e-9, from G_jj = Σ_u x_uj² (no Gram needed). */
export function easeRidge(x: Csr, options: Pick<EaseOptions, 'lambda' | 'dropout'>): Float64Array {
  const n = x.cols;
  const diag = new Float64Array(n);
  for (let p = 0; p < nnz(x); p++) diag[x.indices[p]] += x.data[p] * x.data[p];
  let meanDiag = 0;
  for (let j = 0; j < n; j++) meanDiag += diag[j];
  meanDiag = n > 0 && nnz(x) > 0 ? meanDiag / n : 1;
  const ridge = new Float64Array(n);
  for (let j = 0; j < n; j++) ridge[j] = options.lambda * meanDiag + options.dropout * diag[j] + 1e-9;
  return ridge;
}

/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): closed-form item-item weights
 *   P = (XᵀX + Λ)⁻¹,  B_ij = −P_ij / P_jj (i ≠ j),  B_jj = 0,  score_u = x_u B
 * with Λ = diag(λ·mean(G_jj) + p/(1−p)·G_jj). Cost n³ flops and ≈ 8·n² bytes for n shows (float32 sweep matrix + B),
 * so `model=auto` uses it only for catalogs up to `ease_max_items`.
 */
export class EaseRecommender implements Recommender {
  readonly name = 'ease' as const;
  private x: Csr | undefined;
  weights: Float32Array = new Float32Array(0);
  fitThreads: FitThreads | undefined;

  constructor(readonly options: EaseOptions) {}

  /** Builds the model from a saved state and the interactions it was fitted on (serve). */
  static fromState(state: ModelState, interactions: Csr): EaseRecommender {
    const model = new EaseRecommender({ lambda: state.params.lambda ?? 0, dropout: state.params.dropout ?? 0 });
    model.x = interactions;
    model.weights = state.arrays.weights as Float32Array;
    return model;
  }

  timings: EaseFitTimings | undefined;

  async fit(interactions: Csr, _rng: Rng): Promise<void> {
    const n = interactions.cols;
    const ridge = easeRidge(interactions, this.options);
    const threads = this.options.threads ?? 1;
    const { spawnWorker } = this.options;
    const fast =
      this.options.precision === 'float64'
        ? undefined
        : await gramInverse(interactions, ridge, threads, 'easeWeights', spawnWorker);
    this.x = interactions;
    if (fast) {
      this.weights = fast.matrix;
      this.fitThreads = fitThreadsOf(threads, fast);
      this.timings = { gramSeconds: fast.gramSeconds, inverseSeconds: fast.inverseSeconds, precision: 'float32' };
      return;
    }
    const started = performance.now();
    const p = gram(interactions, 0, interactions.rows, sharedFloat64(n * n));
    for (let j = 0; j < n; j++) p[j * n + j] += ridge[j];
    const gramDone = performance.now();
    this.fitThreads = fitThreadsOf(threads, await invertSpdParallel(p, n, threads, spawnWorker));
    const gramSeconds = (gramDone - started) / 1000;
    this.timings = { gramSeconds, inverseSeconds: (performance.now() - gramDone) / 1000, precision: 'float64' };
    // B_ij = −P_ij / P_jj (i ≠ j), B_jj = 0.
    const b = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      for (let j = 0; j < n; j++) b[ri + j] = i === j ? 0 : -p[ri + j] / p[j * n + j];
    }
    this.weights = b;
  }

  scoreInto(viewer: number, out: Float32Array): void {
    const x = this.requireFitted();
    const n = x.cols;
    const b = this.weights;
    out.fill(0);
    // score_u = Σ_{i ∈ u} x_ui · B_i·  (a row of B per watched show).
    for (let p = x.indptr[viewer]; p < x.indptr[viewer + 1]; p++) {
      const v = x.data[p];
      const ri = x.indices[p] * n;
      for (let j = 0; j < n; j++) out[j] += v * b[ri + j];
    }
  }

  explain(viewer: number, item: number): number {
    const x = this.requireFitted();
    const n = x.cols;
    return mostContributingWatched(x, viewer, (p) => x.data[p] * this.weights[x.indices[p] * n + item]);
  }

  recommend(viewer: number, k: number, exclude?: (item: number) => boolean): Ranked {
    const scores = new Float32Array(this.requireFitted().cols);
    this.scoreInto(viewer, scores);
    return topK(scores, k, exclude);
  }

  state(): ModelState {
    return {
      name: this.name,
      params: { lambda: this.options.lambda, dropout: this.options.dropout },
      arrays: { weights: this.weights },
    };
  }

  private requireFitted(): Csr {
    if (!this.x) throw new Error('EaseRecommender: fit() or fromState() first');
    return this.x;
  }
}
