// zod/mini: the offers Lambda imports the keys below, and its cold start is kept small (offers/store.ts).
import * as z from 'zod/mini';

/**
 * Keys and item shapes of the `recommendations` table (docs/contracts.md). Keys: `viewerId` HASH,
 * `runId` RANGE. Each run writes its own row per viewer, and readers follow the `#live` pointer, which
 * only moves forward, so an older run can never replace what a newer run published.
 */

/** Viewer ids (contracts/ids.ts) never contain `#`: those partition keys hold the meta items below. */
export const LIVE_VIEWER_ID = '#live';
export const POPULAR_VIEWER_ID = '#popular';
export const RUN_VIEWER_ID = '#run';

/** The live-run pointer: one item, moved only forward with a conditional update. */
export const LIVE_KEY = { viewerId: LIVE_VIEWER_ID, runId: '#' } as const;

/** The popular-shows fallback list of one run. */
export const popularKey = (runId: string) => ({ viewerId: POPULAR_VIEWER_ID, runId }) as const;

/** The run record of one run (status, counts, metrics, timings). */
export const runRecordKey = (runId: string) => ({ viewerId: RUN_VIEWER_ID, runId }) as const;

/** A viewer's list of one run. */
export const viewerKey = (viewerId: string, runId: string) => ({ viewerId, runId }) as const;

/** DynamoDB TTL value (epoch seconds) `ttlDays` after `nowMs`. */
export const ttlEpochSeconds = (nowMs: number, ttlDays: number): number =>
  Math.floor(nowMs / 1000) + Math.round(ttlDays * 86_400);

export interface StoredRecommendation {
  showId: string;
  title: string;
  genre: string;
  brand: string;
  partner: string;
  score: number;
  rank: number;
  reason: string;
}

export interface ViewerListItem {
  viewerId: string;
  runId: string;
  modelVersion: string;
  recommendations: StoredRecommendation[];
  updatedAt: string;
  ttl: number;
}

export interface LivePointerItem {
  viewerId: typeof LIVE_VIEWER_ID;
  runId: '#';
  liveRunId: string;
  modelVersion: string;
  ndcg: number;
  publishedAt: string;
}

export interface PopularShow {
  showId: string;
  title: string;
  genre: string;
  brand: string;
  partners: string[];
  rank: number;
  uniqueViewers: number;
}

export interface PopularItem {
  viewerId: typeof POPULAR_VIEWER_ID;
  runId: string;
  recommendations: PopularShow[];
  updatedAt: string;
  ttl?: number;
}

export type RunStatus = 'PUBLISHED' | 'SUPERSEDED' | 'FAILED';

/** The run record read by the live pointer and by Publish (ndcg is compared by the quality gate). */
export const LivePointer = z.object({
  liveRunId: z.string(),
  modelVersion: z.optional(z.string()),
  ndcg: z.optional(z.number()),
  publishedAt: z.optional(z.string()),
});
