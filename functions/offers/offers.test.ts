import { describe, expect, it } from 'vitest';
import { errorResponse } from '../_shared/http.js';
import { getOffers, type OffersStore, type PopularList, type ViewerList } from './offers.js';
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

function storeWith(parts: { list?: ViewerList; popular?: PopularList; failing?: boolean }): OffersStore {
  const read = async <T>(value: T) => {
    if (parts.failing) throw new Error('table on fire');
    return value;
  };
  return {
    getLivePointer: () => read({ liveRunId: 'run-2', modelVersion: 'model-2' }),
    getViewerList: () => read(parts.list),
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
      offers: [],
    });
    expect(failures).toHaveLength(1);
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
