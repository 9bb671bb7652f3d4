import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OffersHandler } from '../../functions/offers/handler.js';
import { LocalHttpApi } from '../../local/http-server.js';
import { loadOrCreateSigningKey, localAuthorizerSettings, signToken } from '../../local/jwt-keys.js';
import {
  fixtureOffersHandler,
  LEAK_PATTERN,
  type OffersTable,
  offersEvent,
  rawGet,
  seedOffersTable,
  startOffersTable,
} from './offers-fixtures.js';

let table: OffersTable;
let handler: OffersHandler;
let api: LocalHttpApi;
let baseUrl: string;
let dataDir: string;
let serviceToken: string;

beforeAll(async () => {
  table = await startOffersTable();
  await seedOffersTable(table.doc, [{ viewerId: 'v1' }, { viewerId: 'a' }, { viewerId: '_' }]);
  handler = await fixtureOffersHandler(table);
  dataDir = await mkdtemp(join(tmpdir(), 'recs-offers-prop-'));
  const key = await loadOrCreateSigningKey(dataDir);
  serviceToken = await signToken(key, { subject: 'login-service', scope: 'offers/read' });
  api = new LocalHttpApi({
    authorizer: localAuthorizerSettings(key),
    routes: [{ method: 'GET', path: '/viewers/{viewerId}/offers', functionName: 'offers', handler }],
  });
  baseUrl = await api.listen(0);
});

afterAll(async () => {
  await api?.close();
  await table?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

// Short strings from characters that matter here (the id alphabet, `#`, separators, escapes) plus any unicode.
const tricky = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', '_', '-', '#', '.', '/', '%', ' ', '\u0000', 'é', ',', '=', '&') }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('#live', '#popular', '__proto__', 'constructor', 'limit', 'partner', 'hulu', '10', '0', 'v1'),
);
const claims = fc.oneof(
  fc.constant(null),
  fc.constant({}),
  fc.record({ sub: tricky }),
  fc.record({ sub: tricky, scope: fc.oneof(tricky, fc.constant('offers/read')) }),
);
const query = fc.option(fc.dictionary(tricky, tricky, { maxKeys: 4 }), { nil: undefined });

describe('offers never fails on bad input', () => {
  it('answers random viewer ids, query parameters and claims with 200/400/401/403 and no internals', async () => {
    await fc.assert(
      fc.asyncProperty(tricky, query, claims, async (viewerId, parameters, jwtClaims) => {
        const response = await handler(
          offersEvent(viewerId, { claims: jwtClaims, ...(parameters ? { query: parameters } : {}) }),
        );

        expect([200, 400, 401, 403]).toContain(response.statusCode);
        expect(response.body).not.toMatch(LEAK_PATTERN);
        expect(() => JSON.parse(response.body)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });

  it('answers random request targets through the local HTTP API with no 5xx and no internals', async () => {
    const pathChar = fc.constantFrom(...'abcXYZ019_-#.%/:@!$&()*+,;=~'.split(''), '%2F', '%00', '%zz', '%E9', '..');
    const target = fc
      .tuple(
        fc.oneof(
          fc.string({ unit: pathChar, maxLength: 30 }).map((id) => `/viewers/${id}/offers`),
          fc.string({ unit: pathChar, maxLength: 60 }).map((path) => `/${path}`),
        ),
        fc.option(
          fc.string({ unit: fc.constantFrom(...'ab=&%+;,lmitprn10#'.split(''), 'limit=', 'partner='), maxLength: 40 }),
        ),
      )
      .map(([path, search]) => (search === null ? path : `${path}?${search}`));

    await fc.assert(
      fc.asyncProperty(target, async (requestTarget) => {
        const response = await rawGet(baseUrl, requestTarget, { authorization: `Bearer ${serviceToken}` });

        expect(response.statusCode).toBeLessThan(500);
        expect(response.body).not.toMatch(LEAK_PATTERN);
      }),
      { numRuns: 600 },
    );
  });
});
