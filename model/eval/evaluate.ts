import type { Csr } from '../linalg/csr.js';
import type { Recommender } from '../recommender.js';
import { ndcgAtK, recallAtK } from './metrics.js';
import type { TestSet } from './split.js';

export interface RankingQuality {
  readonly recall: number;
  readonly ndcg: number;
  /** Viewers averaged over (those with at least one held-out item). */
  readonly users: number;
}

/**
 * REFERENCE.md protocol: rank every show not seen in `train` for each test viewer, and average Recall@k and NDCG@k
 * over viewers with at least one test item. A viewer with no training row falls back to `fallback` (popularity),
 * as serving does.
 */
export function evaluateRanking(
  model: Recommender,
  train: Csr,
  test: TestSet,
  k: number,
  fallback?: Recommender,
): RankingQuality {
  let recall = 0;
  let ndcg = 0;
  let users = 0;
  const seen = new Uint8Array(train.cols);
  const exclude = (item: number): boolean => seen[item] === 1;
  for (let t = 0; t < test.viewers.length; t++) {
    const relevantCount = test.items[t].length + test.missing[t];
    if (relevantCount === 0) continue;
    const u = test.viewers[t];
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) seen[train.indices[p]] = 1;
    const hasHistory = train.indptr[u + 1] > train.indptr[u];
    const ranker = hasHistory || !fallback ? model : fallback;
    const ranked = ranker.recommend(u, k, exclude).items;
    const relevant = new Set(test.items[t]);
    recall += recallAtK(ranked, relevant, relevantCount, k);
    ndcg += ndcgAtK(ranked, relevant, relevantCount, k);
    users++;
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) seen[train.indices[p]] = 0;
  }
  return { recall: users ? recall / users : 0, ndcg: users ? ndcg / users : 0, users };
}
