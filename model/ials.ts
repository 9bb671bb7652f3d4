import { gramian } from './linalg/cg.js';
import { type Csr, transpose } from './linalg/csr.js';
import { IalsSweeper } from './linalg/parallel-ials.js';
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

export interface IalsOptions {
  readonly factors: number;
  readonly iterations: number;
  readonly regularization: number;
  /** Confidence slope: c_ui = 1 + α·w_ui (Hu et al. 2008). */
  readonly alpha: number;
  readonly cgSteps: number;
  readonly threads: number;
  /** ν of the frequency-scaled regularisation λ_u = λ·s̄·(s_u / s̄)^ν over row loss masses (linalg/cg.ts). */
  readonly frequencyExponent?: number;
  /** How worker threads are started (tests make it fail); linalg/workers.ts's spawnSelf by default. */
  readonly spawnWorker?: SpawnWorker;
}

/** Below this many interactions a sweep takes only milliseconds and worker start-up costs more than it saves. */
export const MIN_INTERACTIONS_FOR_THREADS = 200_000;

/**
 * iALS (Hu, Koren & Volinsky 2008) with conjugate-gradient solves (Takács et al. 2011): alternating user and item
 * sweeps of linalg/cg.ts, split across worker threads (linalg/parallel-ials.ts).
 *
 * Memory bound, 1M viewers × 20k shows, f = 64, N interactions: user factors 1M·64·4 B = 256 MB, show factors
 * 20k·64·4 B = 5 MB, the CSR and its transpose 2·(8N + 4·rows) B, with a shared-memory copy of both for the workers
 * (another 2·8N B), and O(f²) Float64 scratch per thread: ≈ 0.27 GB + 32 B per interaction (≈ 0.9 GB at N = 20M).
 * EASE at 20k shows would need 20k²·12 B ≈ 4.8 GB, which is why `model=auto` switches to iALS above ease_max_items.
 */
export class IalsRecommender implements Recommender {
  readonly name = 'ials' as const;
  private x: Csr | undefined;
  userFactors: Float32Array = new Float32Array(0);
  itemFactors: Float32Array = new Float32Array(0);
  fitThreads: FitThreads | undefined;

  constructor(readonly options: IalsOptions) {}

  /** Builds the model from a saved state and the interactions it was fitted on (serve). */
  static fromState(state: ModelState, interactions: Csr): IalsRecommender {
    const p = state.params;
    const model = new IalsRecommender({
      factors: p.factors ?? 0,
      iterations: p.iterations ?? 0,
      regularization: p.regularization ?? 0,
      alpha: p.alpha ?? 0,
      cgSteps: p.cgSteps ?? 0,
      threads: 1,
    });
    model.x = interactions;
    model.userFactors = state.arrays.userFactors as Float32Array;
    model.itemFactors = state.arrays.itemFactors as Float32Array;
    return model;
  }

  async fit(interactions: Csr, rng: Rng): Promise<void> {
    const f = this.options.factors;
    const { alpha, regularization, cgSteps } = this.options;
    const threads = interactions.indptr[interactions.rows] >= MIN_INTERACTIONS_FOR_THREADS ? this.options.threads : 1;
    const sweeper = await IalsSweeper.start(
      interactions,
      transpose(interactions),
      f,
      alpha,
      regularization,
      threads,
      this.options.frequencyExponent ?? 0,
      this.options.spawnWorker,
    );
    this.fitThreads = fitThreadsOf(this.options.threads, sweeper);
    try {
      // Small random start for shows (users start at 0 and are solved first), drawn from the seeded rng.
      const items = sweeper.items;
      const scale = 0.1 / Math.sqrt(f);
      for (let i = 0; i < items.length; i++) items[i] = (rng.next() - 0.5) * scale;
      for (let it = 0; it < this.options.iterations; it++) {
        // More CG steps on the first sweep, which starts from zero user factors.
        const steps = it === 0 ? Math.max(cgSteps, 6) : cgSteps;
        gramian(items, interactions.cols, f, sweeper.ytY);
        await sweeper.sweep('users', steps);
        gramian(sweeper.users, interactions.rows, f, sweeper.ytY);
        await sweeper.sweep('items', steps);
      }
      this.x = interactions;
      // Plain (non-shared) copies, so the fitted model holds no SharedArrayBuffer.
      this.userFactors = new Float32Array(sweeper.users);
      this.itemFactors = new Float32Array(items);
    } finally {
      await sweeper.close();
    }
  }

  scoreInto(viewer: number, out: Float32Array): void {
    const f = this.options.factors;
    const items = this.itemFactors;
    const user = this.userFactors;
    const uo = viewer * f;
    // score_j = x_u · y_j, four accumulators (one running sum is bound by the add latency).
    for (let j = 0; j < out.length; j++) {
      const jo = j * f;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let a = 0;
      for (; a + 3 < f; a += 4) {
        s0 += user[uo + a] * items[jo + a];
        s1 += user[uo + a + 1] * items[jo + a + 1];
        s2 += user[uo + a + 2] * items[jo + a + 2];
        s3 += user[uo + a + 3] * items[jo + a + 3];
      }
      for (; a < f; a++) s0 += user[uo + a] * items[jo + a];
      out[j] = s0 + s1 + s2 + s3;
    }
  }

  /** The watched show whose factors best match `item`'s, weighted by its confidence (an item-item view of x_u). */
  explain(viewer: number, item: number): number {
    const x = this.requireFitted();
    const f = this.options.factors;
    const jo = item * f;
    return mostContributingWatched(x, viewer, (p) => {
      const io = x.indices[p] * f;
      let s = 0;
      for (let a = 0; a < f; a++) s += this.itemFactors[io + a] * this.itemFactors[jo + a];
      return s * (1 + this.options.alpha * x.data[p]);
    });
  }

  recommend(viewer: number, k: number, exclude?: (item: number) => boolean): Ranked {
    const scores = new Float32Array(this.requireFitted().cols);
    this.scoreInto(viewer, scores);
    return topK(scores, k, exclude);
  }

  state(): ModelState {
    const { factors, iterations, regularization, alpha, cgSteps } = this.options;
    return {
      name: this.name,
      params: { factors, iterations, regularization, alpha, cgSteps },
      arrays: { userFactors: this.userFactors, itemFactors: this.itemFactors },
    };
  }

  private requireFitted(): Csr {
    if (!this.x) throw new Error('IalsRecommender: fit() or fromState() first');
    return this.x;
  }
}
