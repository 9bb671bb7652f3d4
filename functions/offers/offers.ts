import { assignVariant, type Experiment, isExperimentActive, type Variant } from '../_shared/experiment.js';
import type { OffersRequest } from './request.js';

/** One entry of a viewer's list (`recommendations` of the viewer row, docs/contracts.md). */
export interface ViewerRecommendation {
  showId: string;
  title: string;
  genre: string;
  brand: string;
  /** A partner the viewer has an account on that carries the show. */
  partner: string;
  rank: number;
  reason?: string;
}

/** A viewer's row for one run. */
export interface ViewerList {
  runId: string;
  modelVersion?: string;
  recommendations: readonly ViewerRecommendation[];
  /** Epoch seconds; DynamoDB deletes expired items lazily (up to days later), so readers check it themselves. */
  ttl?: number;
}

/** One entry of the `#popular` item. */
export interface PopularShow {
  showId: string;
  title: string;
  genre: string;
  brand: string;
  partners: readonly string[];
  rank: number;
}

export interface PopularList {
  runId: string;
  recommendations: readonly PopularShow[];
}

/** The `#live` pointer: which run's rows the endpoint reads. */
export interface LivePointer {
  liveRunId: string;
  modelVersion?: string;
  /** The run that was live before this one (set by Publish): what an experiment's `previous-model` control gets. */
  previousLiveRunId?: string;
}

/** Where the core reads from; the DynamoDB adapter is store.ts. Methods may throw: the core degrades. */
export interface OffersStore {
  getLivePointer(): Promise<LivePointer | undefined>;
  getViewerList(viewerId: string, runId: string): Promise<ViewerList | undefined>;
  getPopular(runId: string): Promise<PopularList | undefined>;
}

export interface OffersDeps {
  store: OffersStore;
  now: () => Date;
  deepLinkTemplates: Readonly<Record<string, string>>;
  /** The stage's holdout experiment (issue #18), if any; it assigns only between its start and end. */
  experiment?: Experiment;
  /** Told about every store failure the core absorbed (for a warning log); never about offers. */
  onStoreError?: (operation: keyof OffersStore, error: unknown) => void;
}

export interface Offer {
  showId: string;
  title: string;
  brand: string;
  genre: string;
  partner: string;
  /** Position in this response, from 1. */
  rank: number;
  reason: string;
  /** The partner's deep link for the show, or null when no template is configured for that partner. */
  deepLink: string | null;
}

/** `control`: the viewer is in an experiment's control group and gets its control treatment, never the live list. */
export type OffersSource = 'personalized' | 'fallback' | 'control';

export interface OffersResponse {
  viewerId: string;
  source: OffersSource;
  /** The run the offers come from; null when there is no live run yet. */
  runId: string | null;
  modelVersion: string | null;
  /** When this response was generated (ISO 8601), so a cached copy shows its age. */
  generatedAt: string;
  /** The experiment this viewer is assigned in; null when none runs or the viewer has no list (unknown viewers). */
  experiment: { id: string; variant: Variant } | null;
  offers: Offer[];
}

/** The answer plus what the handler needs to know about how it was reached. */
export interface OffersResult {
  body: OffersResponse;
  /** A store read failed and the body is a fallback because of it: worth answering, not worth caching. */
  isDegraded: boolean;
}

const POPULAR_REASON = 'Popular with viewers right now';

/**
 * A viewer's offers: their own list from the live run when it exists, has not expired and has something on the
 * requested partner, else the live run's popular shows (`source: "fallback"`), else no offers. Store failures degrade down that chain, never throw.
 */
export async function getOffers(request: OffersRequest, deps: OffersDeps): Promise<OffersResult> {
  const now = deps.now();
  let isDegraded = false;
  const attempt = async <T>(operation: keyof OffersStore, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      isDegraded = true;
      deps.onStoreError?.(operation, error);
      return undefined;
    }
  };
  let experiment: OffersResponse['experiment'] = null;
  const answer = (
    source: OffersSource,
    runId: string | null,
    modelVersion: string | null,
    offers: Offer[],
  ): OffersResult => ({
    body: {
      viewerId: request.viewerId,
      source,
      runId,
      modelVersion,
      generatedAt: now.toISOString(),
      experiment,
      offers,
    },
    isDegraded,
  });
  const popularAnswer = async (liveRunId: string, source: OffersSource, modelVersion: string | null) => {
    const popular = await attempt('getPopular', () => deps.store.getPopular(liveRunId));
    if (!popular) return answer(source, liveRunId, modelVersion, []);
    return answer(source, popular.runId, modelVersion, fallbackOffers(popular, request, deps));
  };

  const pointer = await attempt('getLivePointer', () => deps.store.getLivePointer());
  if (!pointer) return answer('fallback', null, null, []);
  const modelVersion = pointer.modelVersion ?? null;

  const list = await attempt('getViewerList', () => deps.store.getViewerList(request.viewerId, pointer.liveRunId));
  const isKnown = list !== undefined && !isExpired(list, now);
  // Only viewers with a list take part: the experiment measures what their list changes (unknown viewers unaffected).
  if (isKnown && deps.experiment && isExperimentActive(deps.experiment, now)) {
    const variant = assignVariant(deps.experiment, request.viewerId);
    experiment = { id: deps.experiment.id, variant };
    if (variant === 'control') return controlAnswer(deps.experiment, pointer);
  }
  if (list && isKnown) {
    const offers = personalizedOffers(list, request, deps);
    // A partner filter that leaves nothing of the viewer's own list still deserves something to watch there.
    if (offers.length > 0 || request.partner === undefined) {
      return answer('personalized', list.runId, list.modelVersion ?? modelVersion, offers);
    }
  }
  return popularAnswer(pointer.liveRunId, 'fallback', modelVersion);

  /** Control: the previous live run's list when the experiment asks for it and it is still there, else popular. */
  async function controlAnswer(config: Experiment, live: LivePointer): Promise<OffersResult> {
    const previousRunId = live.previousLiveRunId;
    if (config.control === 'previous-model' && previousRunId !== undefined) {
      const previous = await attempt('getViewerList', () => deps.store.getViewerList(request.viewerId, previousRunId));
      if (previous && !isExpired(previous, now)) {
        const offers = personalizedOffers(previous, request, deps);
        if (offers.length > 0 || request.partner === undefined) {
          return answer('control', previous.runId, previous.modelVersion ?? null, offers);
        }
      }
    }
    return popularAnswer(live.liveRunId, 'control', live.modelVersion ?? null);
  }
}

function isExpired(list: ViewerList, now: Date): boolean {
  return list.ttl !== undefined && list.ttl * 1000 <= now.getTime();
}

/** The viewer's list, in rank order, filtered to `partner` when asked. */
export function personalizedOffers(
  list: ViewerList,
  request: OffersRequest,
  deps: Pick<OffersDeps, 'deepLinkTemplates'>,
): Offer[] {
  return [...list.recommendations]
    .sort((a, b) => a.rank - b.rank)
    .filter((rec) => request.partner === undefined || rec.partner === request.partner)
    .slice(0, request.limit)
    .map((rec, index) =>
      toOffer(rec, rec.partner, index, rec.reason || `Because you watch ${rec.genre}`, deps.deepLinkTemplates),
    );
}

/** Popular shows, in rank order: with `partner`, only shows it carries; otherwise on the first partner listed. */
export function fallbackOffers(
  popular: PopularList,
  request: OffersRequest,
  deps: Pick<OffersDeps, 'deepLinkTemplates'>,
): Offer[] {
  const offers: Offer[] = [];
  for (const show of [...popular.recommendations].sort((a, b) => a.rank - b.rank)) {
    if (offers.length >= request.limit) break;
    const partner = request.partner ?? show.partners[0];
    if (partner === undefined || !show.partners.includes(partner)) continue;
    offers.push(toOffer(show, partner, offers.length, POPULAR_REASON, deps.deepLinkTemplates));
  }
  return offers;
}

function toOffer(
  show: { showId: string; title: string; brand: string; genre: string },
  partner: string,
  index: number,
  reason: string,
  templates: Readonly<Record<string, string>>,
): Offer {
  const template = Object.hasOwn(templates, partner) ? templates[partner] : undefined;
  return {
    showId: show.showId,
    title: show.title,
    brand: show.brand,
    genre: show.genre,
    partner,
    rank: index + 1,
    reason,
    deepLink: template ? template.replaceAll('{showId}', encodeURIComponent(show.showId)) : null,
  };
}
