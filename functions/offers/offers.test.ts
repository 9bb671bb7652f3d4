import { describe, expect, it } from 'vitest';
import { assignVariant, type Experiment } from '../_shared/experiment.js';
import { errorResponse } from '../_shared/http.js';
import { getOffers, type LivePointer, type OffersStore, type PopularList, type ViewerList } from './offers.js';
import { parseOffersRequest } from './request.js';

const NOW = new Date('2025-01-01T12:00:00Z');
const LIST: ViewerList = {
  runId: 'run-2',
  modelVersion: 'model-2',
  ttl: NOW.getTime() / 1000 + 60,
  recommendations: [
    { showId: 's/2', title: 'Two', genre: 'drama', brand: 'FX', partner: 'hulu', rank: 2 },
    { showId: 's1', title: 'One', genre: 'comedy', brand: 'ABC', partner: 'own', rank: 1, reason: 'Like Three' },
  ],
};
const POPULAR: PopularList = {
  runId: 'run-2',
  recommendations: [
    { showId: 'p1', title: 'Pop', genre: 'news', brand: 'ABC', partners: ['youtube', 'hulu'], rank: 1 },
  ],
};

const POINTER: LivePointer = { liveRunId: 'run-2', modelVersion: 'model-2', previousLiveRunId: 'run-1' };

function storeWith(parts: {
  pointer?: LivePointer;
  list?: ViewerList;
  previousList?: ViewerList;
  popular?: PopularList;
  failing?: boolean;
}): OffersStore {
  const read = async <T>(value: T) => {
    if (parts.failing) throw new Error('table on fire');
    return value;
  };
  return {
    getLivePointer: () => read(parts.pointer ?? POINTER),
    getViewerList: (_viewerId, runId) => read(runId === 'run-1' ? parts.previousList : parts.list),
    getPopular: () => read(parts.popular),
  };
}

const deps = (store: OffersStore, onStoreError?: () => void) => ({
  store,
  now: () => NOW,
  deepLinkTemplates: { hulu: 'https://h.example/{showId}' },
  ...(onStoreError ? { onStoreError } : {}),
});

describe('getOffers', () => {
  it('orders the list by rank, uses the default reason when the model gave none, and encodes deep links', async () => {
    const { body, isDegraded } = await getOffers({ viewerId: 'v', limit: 10 }, deps(storeWith({ list: LIST })));

    expect(isDegraded).toBe(false);
    expect(body.offers.map((offer) => [offer.showId, offer.rank, offer.reason, offer.deepLink])).toEqual([
      ['s1', 1, 'Like Three', null],
      ['s/2', 2, 'Because you watch drama', 'https://h.example/s%2F2'],
    ]);
  });

  it('falls back to the popular list when the viewer has none', async () => {
    const { body, isDegraded } = await getOffers(
      { viewerId: 'v', limit: 10, partner: 'hulu' },
      deps(storeWith({ popular: POPULAR })),
    );

    expect(isDegraded).toBe(false);
    expect(body.source).toBe('fallback');
    expect(body.offers).toMatchObject([{ showId: 'p1', partner: 'hulu', deepLink: 'https://h.example/p1' }]);
  });

  it('falls back to popular shows on the partner when the filter leaves nothing of the viewer list', async () => {
    const { body } = await getOffers(
      { viewerId: 'v', limit: 10, partner: 'youtube' },
      deps(storeWith({ list: LIST, popular: POPULAR })),
    );

    expect(body.source).toBe('fallback');
    expect(body.offers).toMatchObject([{ showId: 'p1', partner: 'youtube', rank: 1 }]);
  });

  it('answers an empty fallback, and reports the failures, when every read throws', async () => {
    const failures: string[] = [];

    const response = await getOffers(
      { viewerId: 'v', limit: 10 },
      deps(storeWith({ failing: true }), () => failures.push('x')),
    );

    expect(response.isDegraded).toBe(true);
    expect(response.body).toEqual({
      viewerId: 'v',
      source: 'fallback',
      runId: null,
      modelVersion: null,
      generatedAt: NOW.toISOString(),
      experiment: null,
      offers: [],
    });
    expect(failures).toHaveLength(1);
  });

  it('degrades the same way when nobody listens for store failures', async () => {
    const response = await getOffers({ viewerId: 'v', limit: 10 }, deps(storeWith({ failing: true })));

    expect(response).toMatchObject({ isDegraded: true, body: { source: 'fallback', offers: [] } });
  });

  it('keeps only the requested partner from the viewer list, ranked from 1', async () => {
    const { body } = await getOffers(
      { viewerId: 'v', limit: 10, partner: 'hulu' },
      deps(storeWith({ list: LIST, popular: POPULAR })),
    );

    expect(body.source).toBe('personalized');
    expect(body.offers.map((offer) => [offer.showId, offer.partner, offer.rank])).toEqual([['s/2', 'hulu', 1]]);
  });

  it("reports the model version of the viewer's list, and the live pointer's when the list has none", async () => {
    const { modelVersion: _none, ...unversioned } = LIST;

    const own = await getOffers(
      { viewerId: 'v', limit: 10 },
      deps(storeWith({ list: { ...LIST, modelVersion: 'model-2b' } })),
    );
    const inherited = await getOffers({ viewerId: 'v', limit: 10 }, deps(storeWith({ list: unversioned })));

    expect(own.body).toMatchObject({ source: 'personalized', modelVersion: 'model-2b' });
    expect(inherited.body).toMatchObject({ source: 'personalized', modelVersion: 'model-2' });
  });

  it('treats a list whose ttl is this very second as expired, as DynamoDB does', async () => {
    const { body } = await getOffers(
      { viewerId: 'v', limit: 10 },
      deps(storeWith({ list: { ...LIST, ttl: NOW.getTime() / 1000 }, popular: POPULAR })),
    );

    expect(body.source).toBe('fallback');
  });

  it('serves popular shows in rank order, skipping those the requested partner does not carry', async () => {
    const popular: PopularList = {
      runId: 'run-2',
      recommendations: [
        { showId: 'p3', title: 'Three', genre: 'news', brand: 'ABC', partners: ['hulu'], rank: 3 },
        { showId: 'p1', title: 'One', genre: 'news', brand: 'ABC', partners: ['hulu', 'youtube'], rank: 1 },
        { showId: 'p4', title: 'Four', genre: 'news', brand: 'ABC', partners: ['hulu'], rank: 4 },
        { showId: 'p2', title: 'Two', genre: 'news', brand: 'ABC', partners: ['youtube'], rank: 2 },
      ],
    };

    const anyPartner = await getOffers({ viewerId: 'v', limit: 10 }, deps(storeWith({ popular })));
    const onHulu = await getOffers({ viewerId: 'v', limit: 10, partner: 'hulu' }, deps(storeWith({ popular })));

    expect(anyPartner.body.offers.map((offer) => [offer.showId, offer.partner, offer.rank])).toEqual([
      ['p1', 'hulu', 1],
      ['p2', 'youtube', 2],
      ['p3', 'hulu', 3],
      ['p4', 'hulu', 4],
    ]);
    expect(onHulu.body.offers.map((offer) => [offer.showId, offer.rank])).toEqual([
      ['p1', 1],
      ['p3', 2],
      ['p4', 3],
    ]);
  });
});

describe('getOffers in a holdout experiment (#18)', () => {
  const EXPERIMENT: Experiment = {
    id: 'holdout',
    start: '2024-12-01T00:00:00.000Z',
    controlShare: 0.5,
    control: 'popular',
  };
  // Viewers on each side of the hash, found rather than hard-coded so the test states what it relies on.
  const ids = Array.from({ length: 50 }, (_, i) => `viewer-${i}`);
  const controlViewer = ids.find((id) => assignVariant(EXPERIMENT, id) === 'control') as string;
  const treatmentViewer = ids.find((id) => assignVariant(EXPERIMENT, id) === 'treatment') as string;
  const PREVIOUS: ViewerList = { ...LIST, runId: 'run-1', modelVersion: 'model-1' };
  const withExperiment = (store: OffersStore, experiment: Experiment = EXPERIMENT) => ({
    ...deps(store),
    experiment,
  });

  it('gives a control viewer the popular list, flagged, never their personalised list', async () => {
    const { body } = await getOffers(
      { viewerId: controlViewer, limit: 10 },
      withExperiment(storeWith({ list: LIST, popular: POPULAR })),
    );

    expect(body.source).toBe('control');
    expect(body.experiment).toEqual({ id: 'holdout', variant: 'control' });
    expect(body.offers.map((offer) => offer.showId)).toEqual(['p1']);
  });

  it('gives a treatment viewer their personalised list, with the variant', async () => {
    const { body } = await getOffers(
      { viewerId: treatmentViewer, limit: 10 },
      withExperiment(storeWith({ list: LIST, popular: POPULAR })),
    );

    expect(body.source).toBe('personalized');
    expect(body.experiment).toEqual({ id: 'holdout', variant: 'treatment' });
    expect(body.offers.map((offer) => offer.showId)).toEqual(['s1', 's/2']);
  });

  it('gives control the previous live run list when the experiment says so, else popular', async () => {
    const previousModel = { ...EXPERIMENT, control: 'previous-model' as const };

    const withPrevious = await getOffers(
      { viewerId: controlViewer, limit: 10 },
      withExperiment(storeWith({ list: LIST, previousList: PREVIOUS, popular: POPULAR }), previousModel),
    );
    const expired = await getOffers(
      { viewerId: controlViewer, limit: 10 },
      withExperiment(storeWith({ list: LIST, popular: POPULAR }), previousModel),
    );

    expect(withPrevious.body).toMatchObject({ source: 'control', runId: 'run-1', modelVersion: 'model-1' });
    expect(withPrevious.body.experiment).toEqual({ id: 'holdout', variant: 'control' });
    expect(expired.body).toMatchObject({ source: 'control', offers: [{ showId: 'p1' }] });
  });

  it('gives popular control the popular list even when a previous run is there, with the live model version', async () => {
    const { body } = await getOffers(
      { viewerId: controlViewer, limit: 10 },
      withExperiment(storeWith({ list: LIST, previousList: PREVIOUS, popular: POPULAR })),
    );

    expect(body).toMatchObject({ source: 'control', runId: 'run-2', modelVersion: 'model-2' });
    expect(body.offers.map((offer) => offer.showId)).toEqual(['p1']);
  });

  it('gives previous-model control the popular list when no run was live before this one', async () => {
    const { previousLiveRunId: _none, ...firstRun } = POINTER;

    const { body } = await getOffers(
      { viewerId: controlViewer, limit: 10 },
      withExperiment(storeWith({ pointer: firstRun, list: LIST, popular: POPULAR }), {
        ...EXPERIMENT,
        control: 'previous-model',
      }),
    );

    expect(body).toMatchObject({ source: 'control', runId: 'run-2' });
    expect(body.offers.map((offer) => offer.showId)).toEqual(['p1']);
  });

  it('filters previous-model control to the partner, falling back to popular shows there when it leaves nothing', async () => {
    const previousModel = { ...EXPERIMENT, control: 'previous-model' as const };
    const store = storeWith({ list: LIST, previousList: PREVIOUS, popular: POPULAR });

    const onHulu = await getOffers(
      { viewerId: controlViewer, limit: 10, partner: 'hulu' },
      withExperiment(store, previousModel),
    );
    const onYoutube = await getOffers(
      { viewerId: controlViewer, limit: 10, partner: 'youtube' },
      withExperiment(store, previousModel),
    );

    expect(onHulu.body).toMatchObject({ source: 'control', runId: 'run-1', offers: [{ showId: 's/2', rank: 1 }] });
    expect(onHulu.body.offers).toHaveLength(1);
    expect(onYoutube.body).toMatchObject({
      source: 'control',
      runId: 'run-2',
      offers: [{ showId: 'p1', partner: 'youtube' }],
    });
  });

  it('leaves unknown viewers and viewers outside the experiment window unaffected', async () => {
    const unknown = await getOffers(
      { viewerId: controlViewer, limit: 10 },
      withExperiment(storeWith({ popular: POPULAR })),
    );
    const notStarted = await getOffers(
      { viewerId: controlViewer, limit: 10 },
      withExperiment(storeWith({ list: LIST, popular: POPULAR }), { ...EXPERIMENT, start: '2025-02-01T00:00:00.000Z' }),
    );
    const ended = await getOffers(
      { viewerId: controlViewer, limit: 10 },
      withExperiment(storeWith({ list: LIST, popular: POPULAR }), { ...EXPERIMENT, end: '2024-12-31T00:00:00.000Z' }),
    );

    expect(unknown.body).toMatchObject({ source: 'fallback', experiment: null });
    expect(notStarted.body).toMatchObject({ source: 'personalized', experiment: null });
    expect(ended.body).toMatchObject({ source: 'personalized', experiment: null });
  });
});

describe('parseOffersRequest', () => {
  it('defaults the limit to 10 and takes the viewer id from the path parameters', () => {
    expect(parseOffersRequest({ pathParameters: { viewerId: 'abc_D-1' } })).toEqual({ viewerId: 'abc_D-1', limit: 10 });
  });

  it('does not reflect an unprintable unknown parameter name', () => {
    expect(() =>
      parseOffersRequest({ pathParameters: { viewerId: 'v' }, queryStringParameters: { '<script>': '1' } }),
    ).toThrow(expect.objectContaining({ field: 'query' }));
  });

  it.each([null, 'text', 42, { pathParameters: 'x' }])('rejects a malformed event %j as a 400', (event) => {
    expect(() => parseOffersRequest(event)).toThrow(expect.objectContaining({ name: 'InvalidInputError' }));
  });
});

describe('errorResponse', () => {
  it('turns an unknown error into a 500 that names nothing', () => {
    const response = errorResponse(new TypeError('secret internals at /var/task/index.mjs:1:1'));

    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"error":{"code":"InternalError","message":"Internal error"}}');
  });
});
