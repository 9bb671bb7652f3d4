/**
 * Implicit feedback → confidence weight of one viewer × show cell (the `viewership` channel sums a viewer's rows
 * for a show over partners first):
 *
 *   w = 1 + α · ln(1 + watchSeconds / 3600) + α · ln(viewCount)
 *
 * Having watched at all is the strongest signal, so every cell starts at 1 (the binary matrix that EASE and iALS
 * are tuned on). Watch hours and repeat viewing add confidence on a log scale: a binge of a long series should
 * count more than a sampled pilot, but not 100× more, or heavy viewers' Gram rows would swamp everyone else's.
 * α = `weight_alpha` (default 0.5); α = 0 gives plain binary feedback. Negative or missing inputs count as 0 / 1.
 */
export function confidenceWeight(watchSeconds: number, viewCount: number, alpha: number): number {
  const hours = Math.max(0, watchSeconds) / 3600;
  const views = Math.max(1, viewCount);
  return 1 + alpha * Math.log1p(hours) + alpha * Math.log(views);
}
