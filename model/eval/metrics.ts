/**
 * Recall@k = hits in the top k / min(k, |relevant|)  (REFERENCE.md protocol; relevant items the model cannot
 * rank, e.g. shows absent from training, still count in |relevant|).
 */
export function recallAtK(
  ranked: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  relevantCount: number,
  k: number,
): number {
  const denominator = Math.min(k, relevantCount);
  if (denominator === 0) return 0;
  let hits = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r])) hits++;
  return hits / denominator;
}

/** NDCG@k with binary gains: Σ_hits 1/log2(rank+1) over the ideal Σ_{r ≤ min(k, |relevant|)} 1/log2(r+1). */
export function ndcgAtK(
  ranked: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  relevantCount: number,
  k: number,
): number {
  const idealCount = Math.min(k, relevantCount);
  if (idealCount === 0) return 0;
  let dcg = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r])) dcg += 1 / Math.log2(r + 2);
  let ideal = 0;
  for (let r = 0; r < idealCount; r++) ideal += 1 / Math.log2(r + 2);
  return dcg / ideal;
}
