import type { Artifact } from './artifact.js';
import type { Csr } from './linalg/csr.js';
import { restoreModel } from './models.js';
import type { Recommender } from './recommender.js';

/** One recommended show as the invocation answer carries it (docs/contracts.md). */
export interface Recommendation {
  readonly showId: string;
  readonly title: string;
  readonly genre: string;
  readonly brand: string;
  readonly partner: string;
  readonly score: number;
  readonly reason: string;
}

export interface RankRequest {
  readonly viewerId: string;
  /** Restrict to shows this partner carries, and offer them there (the viewer is in that partner's app). */
  readonly partner?: string;
  readonly k?: number;
}

/** No partner restriction from the request: the viewer's own partners apply (IndexedRanker.rank). */
export const NO_PARTNER = -1;

/** A request resolved to dense indices: viewer row (−1 = unknown viewer) and partner (NO_PARTNER = none given). */
export interface ResolvedRequest {
  readonly viewer: number;
  readonly partner: number;
}

/**
 * Resolves viewer and partner ids to the artifact's dense indices and ranks through an IndexedRanker. The viewer-id map
 * lives only here, so worker threads (serve-pool.ts) that rank by index never hold a copy of it.
 */
export class Ranker {
  readonly indexed: IndexedRanker;
  private readonly viewerIndex: Map<string, number>;
  private readonly partnerIndex: Map<string, number>;

  constructor(private readonly artifact: Artifact) {
    this.indexed = new IndexedRanker(artifact);
    this.viewerIndex = new Map(artifact.dataset.viewerIds.map((id, i) => [id, i]));
    this.partnerIndex = new Map(artifact.dataset.partnerIds.map((id, i) => [id, i]));
  }

  /** Dense indices for a request; undefined when it names a partner the model does not know (nothing to offer). */
  resolve(request: Omit<RankRequest, 'k'>): ResolvedRequest | undefined {
    const viewer = this.viewerIndex.get(request.viewerId) ?? -1;
    if (request.partner === undefined) return { viewer, partner: NO_PARTNER };
    const partner = this.partnerIndex.get(request.partner);
    return partner === undefined ? undefined : { viewer, partner };
  }

  recommend(request: RankRequest): Recommendation[] {
    const resolved = this.resolve(request);
    if (!resolved) return [];
    return this.indexed.rank(resolved.viewer, resolved.partner, request.k ?? this.artifact.k);
  }
}

/**
 * Turns a fitted model into per-viewer lists, by dense viewer and partner index: drops watched shows (unless
 * configured otherwise) and shows none of the viewer's partners carry, labels each show with the viewer's most-watched
 * partner among its carriers (falling back to any of the viewer's partners carrying it), and explains it. Viewers
 * without history get popularity, restricted to their partners when known. Needs no viewer ids, so a worker thread
 * can hold one over shared arrays.
 */
export class IndexedRanker {
  private readonly model: Recommender;
  private readonly popularity: Recommender;
  private readonly allowed: Float64Array;
  private readonly watched: Uint8Array;

  constructor(private readonly artifact: Artifact) {
    const d = artifact.dataset;
    this.model = restoreModel(artifact.model, d.interactions);
    this.popularity = restoreModel(artifact.popularity, d.interactions);
    // Per-request scratch: watch seconds of each allowed partner (−1 = not allowed), watched flags per show.
    this.allowed = new Float64Array(d.partnerIds.length);
    this.watched = new Uint8Array(d.showIds.length);
  }

  /** Top k for viewer row `v` (−1 = unknown viewer), restricted to partner index `partner` unless NO_PARTNER. */
  rank(v: number, partner: number, k: number): Recommendation[] {
    const d = this.artifact.dataset;
    const allowed = this.allowed;
    let isRestricted = false;
    allowed.fill(-1);
    if (partner !== NO_PARTNER) {
      allowed[partner] = v >= 0 ? this.secondsOn(v, partner) : 0;
      isRestricted = true;
    } else if (v >= 0 && rowLength(d.viewerPartners, v) > 0) {
      for (let q = d.viewerPartners.indptr[v]; q < d.viewerPartners.indptr[v + 1]; q++) {
        allowed[d.viewerPartners.indices[q]] = d.viewerPartners.data[q];
      }
      isRestricted = true;
    }
    const x = d.interactions;
    const hasHistory = v >= 0 && rowLength(x, v) > 0;
    if (hasHistory && this.artifact.isExcludingWatched) {
      for (let q = x.indptr[v]; q < x.indptr[v + 1]; q++) this.watched[x.indices[q]] = 1;
    }
    // Every offered show names a partner to watch it on (the writer drops a list with an empty one): a show no
    // partner carries is left out, and without a catalog the fallback partner must exist.
    const fallbackPartner = partner !== NO_PARTNER ? d.partnerIds[partner] : this.topPartner(v);
    const exclude = (item: number): boolean =>
      this.watched[item] === 1 ||
      (this.partnerFor(item, isRestricted) < 0 && (d.hasCatalog || fallbackPartner === undefined));
    try {
      const ranker = hasHistory ? this.model : this.popularity;
      const ranked = ranker.recommend(hasHistory ? v : 0, k, exclude);
      return Array.from(ranked.items, (item, r) => {
        const show = d.shows[item];
        const p = this.partnerFor(item, isRestricted);
        const label = p >= 0 ? d.partnerIds[p] : (fallbackPartner as string);
        const because = hasHistory ? ranker.explain(v, item) : -1;
        const reason =
          because >= 0
            ? `Because you watched ${d.shows[because].title}`
            : show.genre
              ? `Popular in ${show.genre}`
              : 'Popular now';
        return {
          showId: d.showIds[item],
          title: show.title,
          genre: show.genre,
          brand: show.brand,
          partner: label,
          score: round(ranked.scores[r]),
          reason,
        };
      });
    } finally {
      if (hasHistory) for (let q = x.indptr[v]; q < x.indptr[v + 1]; q++) this.watched[x.indices[q]] = 0;
    }
  }

  /** Carrier of `item` with the most viewer watch seconds among allowed partners; any carrier when unrestricted; −1 if none. */
  private partnerFor(item: number, isRestricted: boolean): number {
    const s = this.artifact.dataset.showPartners;
    let best = -1;
    let bestSeconds = -1;
    for (let q = s.indptr[item]; q < s.indptr[item + 1]; q++) {
      const p = s.indices[q];
      if (!isRestricted) return p;
      if (this.allowed[p] > bestSeconds) {
        bestSeconds = this.allowed[p];
        best = p;
      }
    }
    return best;
  }

  private secondsOn(v: number, partner: number): number {
    const m = this.artifact.dataset.viewerPartners;
    for (let q = m.indptr[v]; q < m.indptr[v + 1]; q++) if (m.indices[q] === partner) return m.data[q];
    return 0;
  }

  /** The viewer's most-watched partner (used when there is no catalog to say who carries a show); none when unknown. */
  private topPartner(v: number): string | undefined {
    const m = this.artifact.dataset.viewerPartners;
    let best = -1;
    let bestSeconds = -1;
    if (v >= 0) {
      for (let q = m.indptr[v]; q < m.indptr[v + 1]; q++) {
        if (m.data[q] > bestSeconds) {
          bestSeconds = m.data[q];
          best = m.indices[q];
        }
      }
    }
    return best >= 0 ? this.artifact.dataset.partnerIds[best] : undefined;
  }
}

const rowLength = (m: Csr, r: number): number => m.indptr[r + 1] - m.indptr[r];
const round = (value: number): number => Number(value.toPrecision(6));
