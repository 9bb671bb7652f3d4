import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignVariant, experimentEnv } from '../../functions/_shared/experiment.js';
import { loadOffersConfig } from '../../functions/offers/config.js';
import { createOffersHandler, type OffersHandler } from '../../functions/offers/handler.js';
import type { OffersResponse } from '../../functions/offers/offers.js';
import { makeOffersDynamoClient } from '../../functions/offers/store.js';
import {
  createTable,
  DEEP_LINK_TEMPLATES,
  LIVE_RUN_ID,
  LOCAL_CREDENTIALS,
  MODEL_VERSION,
  type OffersTable,
  OLD_RUN_ID,
  offersEvent,
  putLivePointer,
  putPopular,
  putViewers,
  startOffersTable,
  TABLE_NAME,
} from './offers-fixtures.js';

const SERVICE = { sub: 'login-service', scope: 'openid offers/read' };
let table: OffersTable;
let clockMs = Date.parse('2025-01-01T12:00:00Z');
const now = () => new Date(clockMs);
const nowSeconds = () => Math.floor(clockMs / 1000);

function handlerFor(
  tableName: string,
  endpoint = table.endpoint,
  isPriming = false,
  extraEnv: Record<string, string> = {},
): OffersHandler {
  const config = loadOffersConfig({
    TABLE_NAME: tableName,
    DEEP_LINK_TEMPLATES: JSON.stringify(DEEP_LINK_TEMPLATES),
    ...extraEnv,
  });
  const client = makeOffersDynamoClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  return createOffersHandler({ config, client, now, isPriming });
}

const bodyOf = (response: { body: string }) => JSON.parse(response.body) as OffersResponse;

beforeAll(async () => {
  table = await startOffersTable();
  await putLivePointer(table.doc);
  await putPopular(table.doc);
  await putViewers(table.doc, [
    { viewerId: 'viewer-1', partners: ['hulu', 'youtube'], ttl: nowSeconds() + 86_400 },
    { viewerId: 'viewer-expired', ttl: nowSeconds() - 1 },
    { viewerId: 'viewer-old-run', runId: OLD_RUN_ID, ttl: nowSeconds() + 86_400 },
  ]);
});
afterAll(async () => table?.stop());

describe('GET /viewers/{viewerId}/offers through dynalite', () => {
  it('answers a known viewer with their own list from the live run', async () => {
    const handler = handlerFor(TABLE_NAME);

    const response = await handler(offersEvent('viewer-1'));

    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('private, max-age=300');
    const body = bodyOf(response);
    expect(body).toMatchObject({
      viewerId: 'viewer-1',
      source: 'personalized',
      runId: LIVE_RUN_ID,
      modelVersion: MODEL_VERSION,
    });
    expect(body.generatedAt).toBe(now().toISOString());
    expect(body.offers).toHaveLength(10);
    expect(body.offers.map((offer) => offer.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(body.offers[0]).toEqual({
      showId: 'show-1',
      title: 'Harbor Lights',
      brand: 'ABC',
      genre: 'drama',
      partner: 'hulu',
      rank: 1,
      reason: 'Because you watched Orbit',
      deepLink: 'https://www.hulu.com/watch/show-1',
    });
    expect(new Set(body.offers.map((offer) => offer.partner))).toEqual(new Set(['hulu', 'youtube']));
  });

  it('keeps only the requested partner and renumbers the ranks', async () => {
    const response = await handlerFor(TABLE_NAME)(offersEvent('viewer-1', { query: { partner: 'youtube' } }));

    const body = bodyOf(response);
    expect(body.source).toBe('personalized');
    expect(body.offers).toHaveLength(5);
    expect(body.offers.every((offer) => offer.partner === 'youtube')).toBe(true);
    expect(body.offers[0]?.deepLink).toBe('https://www.youtube.com/watch?v=show-2');
    expect(body.offers.map((offer) => offer.rank)).toEqual([1, 2, 3, 4, 5]);
  });

  it.each([
    ['1', 1],
    ['3', 3],
    ['10', 10],
  ])('returns at most limit=%s offers', async (limit, expected) => {
    const response = await handlerFor(TABLE_NAME)(offersEvent('viewer-1', { query: { limit } }));

    expect(bodyOf(response).offers).toHaveLength(expected);
  });

  it.each(['0', '11', '-1', '1.5', 'ten', '', '01', '1,2'])(
    'rejects limit=%j with a 400 naming the field',
    async (limit) => {
      const response = await handlerFor(TABLE_NAME)(offersEvent('viewer-1', { query: { limit } }));

      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'InvalidInput', field: 'limit' } });
    },
  );

  it('gives an unknown viewer the popular shows, each on the first partner that carries it', async () => {
    const response = await handlerFor(TABLE_NAME)(offersEvent('viewer-unknown'));

    const body = bodyOf(response);
    expect(response.statusCode).toBe(200);
    expect(body).toMatchObject({ source: 'fallback', runId: LIVE_RUN_ID, modelVersion: MODEL_VERSION });
    expect(body.offers).toHaveLength(10);
    expect(body.offers[0]).toMatchObject({ showId: 'show-1', partner: 'hulu', rank: 1 });
    expect(body.offers[1]).toMatchObject({ showId: 'show-2', partner: 'appletv', rank: 2 });
  });

  it('filters the fallback to shows the requested partner carries', async () => {
    const response = await handlerFor(TABLE_NAME)(
      offersEvent('viewer-unknown', { query: { partner: 'youtube', limit: '4' } }),
    );

    const body = bodyOf(response);
    expect(body.source).toBe('fallback');
    expect(body.offers.map((offer) => [offer.showId, offer.partner, offer.rank])).toEqual([
      ['show-1', 'youtube', 1],
      ['show-3', 'youtube', 2],
      ['show-5', 'youtube', 3],
      ['show-7', 'youtube', 4],
    ]);
  });

  it('treats an expired list and a list from an older run as unknown viewers', async () => {
    const handler = handlerFor(TABLE_NAME);

    const expired = bodyOf(await handler(offersEvent('viewer-expired')));
    const oldRun = bodyOf(await handler(offersEvent('viewer-old-run')));

    expect(expired.source).toBe('fallback');
    expect(oldRun.source).toBe('fallback');
  });

  it('answers 200 with no offers when no run is live yet', async () => {
    await createTable(table.client, 'empty');

    const response = await handlerFor('empty')(offersEvent('viewer-1'));

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ source: 'fallback', runId: null, modelVersion: null, offers: [] });
  });

  it('answers 200 with no offers when the live run has no popular list', async () => {
    await createTable(table.client, 'no-popular');
    await table.doc.send(
      new (await import('@aws-sdk/lib-dynamodb')).PutCommand({
        TableName: 'no-popular',
        Item: { viewerId: '#live', runId: '#', liveRunId: LIVE_RUN_ID, modelVersion: MODEL_VERSION },
      }),
    );

    const response = await handlerFor('no-popular')(offersEvent('viewer-unknown'));

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ source: 'fallback', runId: LIVE_RUN_ID, offers: [] });
  });

  it('degrades to an empty 200 quickly when the table cannot be reached', async () => {
    const handler = handlerFor(TABLE_NAME, 'http://127.0.0.1:9');
    const startedAt = performance.now();

    const response = await handler(offersEvent('viewer-1'));

    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(bodyOf(response)).toMatchObject({ source: 'fallback', offers: [] });
    expect(performance.now() - startedAt).toBeLessThan(2_000);
  });

  it('primes the live pointer at creation, and a failed prime does not fail the first request', async () => {
    const primed = handlerFor(TABLE_NAME, table.endpoint, true);
    const unreachable = handlerFor(TABLE_NAME, 'http://127.0.0.1:9', true);

    const [served, degraded] = await Promise.all([
      primed(offersEvent('viewer-1')),
      unreachable(offersEvent('viewer-1')),
    ]);

    expect(bodyOf(served).source).toBe('personalized');
    expect(degraded.statusCode).toBe(200);
  });

  it('degrades to an empty 200 when the table does not exist', async () => {
    const response = await handlerFor('missing-table')(offersEvent('viewer-1'));

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).offers).toEqual([]);
  });

  it('picks up a newly published run only after the pointer cache expires', async () => {
    await createTable(table.client, 'moving');
    const write = async (liveRunId: string) =>
      table.doc.send(
        new (await import('@aws-sdk/lib-dynamodb')).PutCommand({
          TableName: 'moving',
          Item: { viewerId: '#live', runId: '#', liveRunId, modelVersion: MODEL_VERSION },
        }),
      );
    await write(OLD_RUN_ID);
    const handler = handlerFor('moving');
    expect(bodyOf(await handler(offersEvent('viewer-1'))).runId).toBe(OLD_RUN_ID);

    await write(LIVE_RUN_ID);
    const cached = bodyOf(await handler(offersEvent('viewer-1')));
    clockMs += 31_000;
    const refreshed = bodyOf(await handler(offersEvent('viewer-1')));

    expect(cached.runId).toBe(OLD_RUN_ID);
    expect(refreshed.runId).toBe(LIVE_RUN_ID);
  });
});

describe('offers in a holdout experiment configured through the environment (#18)', () => {
  it('gives a control viewer the popular list, flagged, and leaves an unknown viewer out', async () => {
    // An experiment id whose hash puts viewer-1 in control (found, not hard-coded, so the test says why).
    const id = Array.from({ length: 20 }, (_, i) => `holdout-${i}`).find(
      (candidate) => assignVariant({ id: candidate, controlShare: 0.5 }, 'viewer-1') === 'control',
    ) as string;
    const env = experimentEnv({ id, start: '2024-12-01T00:00:00.000Z', controlShare: 0.5, control: 'popular' });
    const handler = handlerFor(TABLE_NAME, table.endpoint, false, env);

    const control = bodyOf(await handler(offersEvent('viewer-1')));
    const unknown = bodyOf(await handler(offersEvent('viewer-old-run')));

    expect(control).toMatchObject({ source: 'control', experiment: { id, variant: 'control' } });
    expect(control.offers[0]?.reason).toBe('Popular with viewers right now');
    // viewer-old-run has no list in the live run: an unknown viewer, left out of the experiment.
    expect(unknown).toMatchObject({ source: 'fallback', experiment: null });
  });
});

describe('offers input validation', () => {
  it.each(['#live', '#popular', 'a'.repeat(65), 'has space', 'dot.ted', 'slash/ed', '', 'é'])(
    'rejects viewerId %j with a 400 naming the field',
    async (viewerId) => {
      const response = await handlerFor(TABLE_NAME)(offersEvent(viewerId, { claims: SERVICE }));

      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toEqual({
        error: { code: 'InvalidInput', field: 'viewerId', message: expect.any(String) },
      });
    },
  );

  it('rejects an unknown query parameter with a 400 naming it', async () => {
    const response = await handlerFor(TABLE_NAME)(offersEvent('viewer-1', { query: { limit: '2', sort: 'asc' } }));

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'InvalidInput', field: 'sort' } });
  });

  it.each(['HULU', 'hu lu', '', 'x'.repeat(33)])('rejects partner=%j with a 400', async (partner) => {
    const response = await handlerFor(TABLE_NAME)(offersEvent('viewer-1', { query: { partner } }));

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { field: 'partner' } });
  });
});

describe('offers authorization (claims as the HTTP API JWT authorizer passes them)', () => {
  it.each([
    ['no authorizer context', null],
    ['empty claims', {}],
  ])('answers 401 with %s', async (_label, claims) => {
    const response = await handlerFor(TABLE_NAME)(offersEvent('viewer-1', { claims }));

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it("answers 403 for another viewer's token", async () => {
    const response = await handlerFor(TABLE_NAME)(offersEvent('viewer-1', { claims: { sub: 'viewer-2' } }));

    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'Forbidden' } });
  });

  it('answers 403 for a token with some other scope', async () => {
    const response = await handlerFor(TABLE_NAME)(
      offersEvent('viewer-1', { claims: { sub: 'svc', scope: 'reports/read' }, scopes: ['reports/read'] }),
    );

    expect(response.statusCode).toBe(403);
  });

  it.each([
    ['the scope claim', { claims: SERVICE }],
    ['the authorizer scopes', { claims: { sub: 'login-service' }, scopes: ['offers/read'] }],
    ['an array-valued scp claim', { claims: { sub: 'login-service', scp: '[openid offers/read]' } }],
  ])('lets the service scope read any viewer via %s', async (_label, options) => {
    const response = await handlerFor(TABLE_NAME)(offersEvent('viewer-1', options));

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).source).toBe('personalized');
  });
});
