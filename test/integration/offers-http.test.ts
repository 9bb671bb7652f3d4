import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHttpApi } from '../../local/http-server.js';
import {
  type LocalSigningKey,
  loadOrCreateSigningKey,
  localAuthorizerSettings,
  signingKeyPath,
  signToken,
} from '../../local/jwt-keys.js';
import {
  fixtureOffersHandler,
  type OffersTable,
  rawGet,
  seedOffersTable,
  startOffersTable,
} from './offers-fixtures.js';

let table: OffersTable;
let dataDir: string;
let key: LocalSigningKey;
let api: LocalHttpApi;
let baseUrl: string;
const handlerCalls: string[] = [];

beforeAll(async () => {
  table = await startOffersTable();
  await seedOffersTable(table.doc, [{ viewerId: 'viewer-1' }, { viewerId: 'viewer-2' }]);
  dataDir = await mkdtemp(join(tmpdir(), 'recs-offers-http-'));
  key = await loadOrCreateSigningKey(dataDir);
  const offers = await fixtureOffersHandler(table);
  api = new LocalHttpApi({
    authorizer: localAuthorizerSettings(key),
    routes: [
      {
        method: 'GET',
        path: '/viewers/{viewerId}/offers',
        functionName: 'offers',
        handler: async (event, context) => {
          handlerCalls.push(event.rawPath);
          return offers(event, context);
        },
      },
      {
        method: 'GET',
        path: '/reports/top-shows',
        functionName: 'topShowsReport',
        scopes: ['reports/read'],
        handler: async (event) => ({ claimsSeen: event.requestContext.authorizer.jwt.claims.sub }),
      },
    ],
  });
  baseUrl = await api.listen(0);
});

afterAll(async () => {
  await api?.close();
  await table?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('local HTTP API: the JWT authorizer in front of the offers handler', () => {
  it("serves a viewer's own offers for their token, with the handler's headers", async () => {
    const token = await signToken(key, { subject: 'viewer-1' });

    const response = await rawGet(baseUrl, '/viewers/viewer-1/offers?limit=3', bearer(token));

    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('private, max-age=300');
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({ viewerId: 'viewer-1', source: 'personalized' });
    expect(body.offers).toHaveLength(3);
  });

  it('accepts a token without the "Bearer" prefix, as API Gateway does', async () => {
    const token = await signToken(key, { subject: 'viewer-1' });

    const response = await rawGet(baseUrl, '/viewers/viewer-1/offers', { authorization: token });

    expect(response.statusCode).toBe(200);
  });

  it('lets a service token read any viewer', async () => {
    const token = await signToken(key, { subject: 'login-service', scope: 'offers/read' });

    const response = await rawGet(baseUrl, '/viewers/viewer-2/offers', bearer(token));

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).viewerId).toBe('viewer-2');
  });

  it("answers 403 for another viewer's token", async () => {
    const token = await signToken(key, { subject: 'viewer-2' });

    const response = await rawGet(baseUrl, '/viewers/viewer-1/offers', bearer(token));

    expect(response.statusCode).toBe(403);
  });

  it('answers 401 without calling the handler when the token is missing', async () => {
    const before = handlerCalls.length;

    const response = await rawGet(baseUrl, '/viewers/viewer-1/offers');

    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toEqual({ message: 'Unauthorized' });
    expect(handlerCalls.length).toBe(before);
  });

  it.each([
    ['expired', { expiresInSeconds: -60 }, 'expired'],
    ['for another audience', { audience: 'someone-else' }, 'aud'],
    ['from another issuer', { issuer: 'https://evil.example/' }, 'iss'],
  ])('answers 401 for a token %s', async (_label, overrides, reason) => {
    const token = await signToken(key, { subject: 'viewer-1', ...overrides });

    const response = await rawGet(baseUrl, '/viewers/viewer-1/offers', bearer(token));

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain(reason);
    expect(response.body).not.toContain(token);
  });

  it('answers 401 for a token signed by another key, a tampered token and an unsigned one', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'recs-offers-other-'));
    const otherKey = await loadOrCreateSigningKey(otherDir);
    const foreign = await signToken(otherKey, { subject: 'viewer-1' });
    const [header, payload, signature] = (await signToken(key, { subject: 'viewer-2' })).split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), sub: 'viewer-1' }),
    ).toString('base64url');
    const tampered = `${header}.${forgedPayload}.${signature}`;
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${forgedPayload}.`;

    const statuses = await Promise.all(
      [foreign, tampered, unsigned, 'not-a-jwt'].map(
        async (token) => (await rawGet(baseUrl, '/viewers/viewer-1/offers', bearer(token))).statusCode,
      ),
    );

    expect(statuses).toEqual([401, 401, 401, 401]);
    await rm(otherDir, { recursive: true, force: true });
  });

  it('answers 404 for unknown routes and methods, as API Gateway does', async () => {
    const token = await signToken(key, { subject: 'viewer-1' });

    const unknown = await rawGet(baseUrl, '/viewers/viewer-1', bearer(token));
    const extra = await rawGet(baseUrl, '/viewers/viewer-1/offers/more', bearer(token));

    expect([unknown.statusCode, extra.statusCode]).toEqual([404, 404]);
  });

  it('enforces route scopes before calling a handler, and passes claims as strings', async () => {
    const without = await signToken(key, { subject: 'svc', scope: 'offers/read' });
    const withScope = await signToken(key, { subject: 'svc', scope: 'offers/read reports/read' });

    const denied = await rawGet(baseUrl, '/reports/top-shows', bearer(without));
    const allowed = await rawGet(baseUrl, '/reports/top-shows', bearer(withScope));

    expect(denied.statusCode).toBe(403);
    expect(allowed.statusCode).toBe(200);
    expect(JSON.parse(allowed.body)).toEqual({ claimsSeen: 'svc' });
  });
});

describe('local signing key', () => {
  it('is created once per data dir, private to its owner, and reused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recs-offers-key-'));

    const keys = await Promise.all([
      loadOrCreateSigningKey(dir),
      loadOrCreateSigningKey(dir),
      loadOrCreateSigningKey(dir),
    ]);
    const again = await loadOrCreateSigningKey(dir);

    expect(new Set([...keys, again].map((k) => k.kid)).size).toBe(1);
    expect((await stat(signingKeyPath(dir))).mode & 0o777).toBe(0o600);
    await rm(dir, { recursive: true, force: true });
  });
});
