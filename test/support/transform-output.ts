/** Synthetic batch-transform output lines (docs/contracts.md), deterministic from a seed. */
import type { TransformListLine } from '../../functions/write-recs/transform-line.js';

const GENRES = ['drama', 'comedy', 'crime', 'documentary', 'kids', 'sci-fi'] as const;
const PARTNERS = ['hulu', 'youtube', 'appletv', 'own'] as const;

/** One recommendation of an output line, typed by the writer's parser of that contract (transform-line.ts). */
export type TransformRecommendationFixture = TransformListLine['recommendations'][number];

/** A top-10 list for `viewerId`; `runSalt` varies the shows so two runs' lists differ. */
export function makeTopTen(viewerId: string, runSalt = 0, k = 10): TransformRecommendationFixture[] {
  let h = runSalt * 7919;
  for (let i = 0; i < viewerId.length; i++) h = (h * 31 + viewerId.charCodeAt(i)) >>> 0;
  return Array.from({ length: k }, (_, rank) => {
    const show = (h + rank * 37) % 500;
    return {
      showId: `show-${show}`,
      title: `Show number ${show}: the series`,
      genre: GENRES[show % GENRES.length] ?? 'drama',
      brand: `brand-${show % 23}`,
      partner: PARTNERS[(show + rank) % PARTNERS.length] ?? 'own',
      score: Math.round((1 - rank / 20) * 1e6) / 1e6,
      reason: rank % 2 === 0 ? 'because you watched similar shows' : 'popular on your partners',
    };
  });
}

export const viewerIdOf = (index: number): string => `viewer-${String(index).padStart(8, '0')}`;

/** One JSON line as the serving container writes it. */
export const transformLine = (viewerId: string, runSalt = 0): string =>
  JSON.stringify({ viewerId, recommendations: makeTopTen(viewerId, runSalt) });

/** JSON Lines for viewers `[from, to)`. */
export function transformObject(from: number, to: number, runSalt = 0): string {
  const lines: string[] = [];
  for (let i = from; i < to; i++) lines.push(transformLine(viewerIdOf(i), runSalt));
  return `${lines.join('\n')}\n`;
}
