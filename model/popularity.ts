import type { Csr } from './linalg/csr.js';
import { type ModelState, type Ranked, type Recommender, topK } from './recommender.js';
import type { Rng } from './rng.js';

/** Baseline: every viewer gets the shows most viewers watched (distinct viewers per show in the training matrix). */
export class PopularityRecommender implements Recommender {
  readonly name = 'popularity' as const;
  counts: Float32Array = new Float32Array(0);

  /** Builds the model from a saved state (serve). */
  static fromState(state: ModelState): PopularityRecommender {
    const model = new PopularityRecommender();
    model.counts = state.arrays.counts as Float32Array;
    return model;
  }

  async fit(interactions: Csr, _rng: Rng): Promise<void> {
    const counts = new Float32Array(interactions.cols);
    const end = interactions.indptr[interactions.rows];
    for (let p = 0; p < end; p++) if (interactions.data[p] > 0) counts[interactions.indices[p]]++;
    this.counts = counts;
  }

  scoreInto(_viewer: number, out: Float32Array): void {
    out.set(this.counts);
  }

  explain(): number {
    return -1;
  }

  recommend(_viewer: number, k: number, exclude?: (item: number) => boolean): Ranked {
    return topK(this.counts, k, exclude);
  }

  state(): ModelState {
    return { name: this.name, params: {}, arrays: { counts: this.counts } };
  }
}
