import type { Csr } from './linalg/csr.js';
import type { ThreadsUsed } from './linalg/workers.js';
import type { Rng } from './rng.js';

export const modelNames = ['ease', 'ials', 'popularity'] as const;
export type ModelName = (typeof modelNames)[number];

/** A ranked list: item indices and their scores, best first. */
export interface Ranked {
  readonly items: Int32Array;
  readonly scores: Float32Array;
}

/** What a fitted model persists beside the interactions: scalar params and named typed arrays. */
export interface ModelState {
  readonly name: ModelName;
  readonly params: Readonly<Record<string, number>>;
  readonly arrays: Readonly<Record<string, Float32Array | Int32Array>>;
}

/** Threads the last fit was configured for and really ran on; `fallbackError` says why they differ (#17). */
export interface FitThreads {
  readonly requested: number;
  readonly used: number;
  readonly fallbackError?: string;
}

/** A fit's FitThreads from the threads asked and the kernel's outcome (the threads it ran on, any start failure). */
export function fitThreadsOf(requested: number, { threads, fallback }: ThreadsUsed): FitThreads {
  if (!fallback) return { requested, used: threads };
  const { error } = fallback;
  return { requested, used: threads, fallbackError: error instanceof Error ? error.message : String(error) };
}

/**
 * Every model: fit on a viewers × shows confidence matrix, then rank shows for a viewer row of that matrix.
 * `exclude` is a predicate over item indices (watched, unavailable); eval/ and serve.ts see only this interface.
 */
export interface Recommender {
  readonly name: ModelName;
  fit(interactions: Csr, rng: Rng): Promise<void>;
  /** Writes every item's score for viewer row `viewer` into out (length = items). */
  scoreInto(viewer: number, out: Float32Array): void;
  /** The viewer's watched item that contributes most to `item`'s score, or -1 when the model cannot say. */
  explain(viewer: number, item: number): number;
  recommend(viewer: number, k: number, exclude?: (item: number) => boolean): Ranked;
  state(): ModelState;
  /** Set by models that fit on worker threads, after `fit`. */
  readonly fitThreads?: FitThreads;
}

/**
 * explain() of the models that score through the viewer's history: the watched item (a column of row `viewer`)
 * whose contribution(p), p its position in the CSR, is largest and positive; -1 when none is.
 */
export function mostContributingWatched(x: Csr, viewer: number, contribution: (p: number) => number): number {
  let best = -1;
  let bestContribution = 0;
  for (let p = x.indptr[viewer]; p < x.indptr[viewer + 1]; p++) {
    const c = contribution(p);
    if (c > bestContribution) {
      bestContribution = c;
      best = x.indices[p];
    }
  }
  return best;
}

/**
 * Top k of scores, skipping excluded items; ties go to the lower item index so rankings are deterministic.
 * Insertion into a k-long sorted buffer: k is 10-50, so this beats a heap.
 */
export function topK(scores: Float32Array, k: number, exclude?: (item: number) => boolean): Ranked {
  const items = new Int32Array(k);
  const best = new Float32Array(k);
  let size = 0;
  for (let j = 0; j < scores.length; j++) {
    const s = scores[j];
    if (size === k && !(s > best[k - 1])) continue;
    if (Number.isNaN(s) || exclude?.(j)) continue;
    let pos = size < k ? size : k - 1;
    while (pos > 0 && best[pos - 1] < s) {
      best[pos] = best[pos - 1];
      items[pos] = items[pos - 1];
      pos--;
    }
    best[pos] = s;
    items[pos] = j;
    if (size < k) size++;
  }
  return { items: items.slice(0, size), scores: best.slice(0, size) };
}
