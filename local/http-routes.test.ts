import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importLocalRoutes, loadHttpApiWiring } from './http-routes.js';
import { LocalHttpApi } from './http-server.js';
import { runWithEnv } from './iam/scoped-env.js';
import {
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  loadOrCreateSigningKey,
  localAuthorizerSettings,
  signToken,
} from './jwt-keys.js';
import { readYaml } from './serverless-refs.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
type Raw = Record<string, Record<string, unknown>>;
const serverless = readYaml(join(ROOT, 'serverless.yml')) as Raw;
const rawFunctions = serverless.functions as Record<string, { environment?: object; events?: unknown[] }>;

const fixtures: string[] = [];
afterAll(() => {
  for (const dir of fixtures) rmSync(dir, { recursive: true, force: true });
});

/** A project root with its own serverless.yml (and the files it names), for what the real one does not contain. */
function fixtureRoot(serverlessYml: string, files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'recs-wiring-'));
  fixtures.push(root);
  const all = {
    'serverless.yml': serverlessYml,
    'statemachines/recommendation-pipeline.asl.yaml': 'StartAt: Done\nStates:\n  Done:\n    Type: Succeed\n',
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("the local HTTP API's wiring, from the real serverless.yml", () => {
  const wiring = loadHttpApiWiring({ root: ROOT });

  it('serves exactly the httpApi events serverless.yml declares, each through its function', () => {
    const declared = Object.entries(rawFunctions).flatMap(([key, fn]) =>
      (fn.events ?? []).flatMap((event) => {
        const httpApi = (event as { httpApi?: { method: string; path: string } }).httpApi;
        return httpApi ? [`${httpApi.method.toUpperCase()} ${httpApi.path} → ${key}`] : [];
      }),
    );

    const served = wiring.routes.map((route) => `${route.method} ${route.path} → ${route.functionKey}`);

    expect(served.sort()).toEqual(declared.sort());
    expect(served).toContain('GET /reports/top-shows → topShowsReport');
  });

  it("puts each route behind the JWT authorizer with the stage's scopes, and trusts the local token issuer", () => {
    const byPath = Object.fromEntries(wiring.routes.map((route) => [route.path, route]));

    expect(byPath['/reports/top-shows']).toMatchObject({ authorizer: 'jwt', scopes: ['reports/read'] });
    expect(byPath['/viewers/{viewerId}/offers']).toMatchObject({ authorizer: 'jwt', scopes: [] });
    // `recs token` signs with LOCAL_ISSUER/LOCAL_AUDIENCE: they must be what params.local gives the authorizer.
    expect(wiring.authorizers.jwt).toEqual({ issuer: LOCAL_ISSUER, audience: [LOCAL_AUDIENCE] });
  });

  it('gives a function the environment Lambda does: provider.environment, then its own, resolved for local', () => {
    const provider = (serverless.provider as { environment: object }).environment;
    const own = rawFunctions.offers?.environment ?? {};

    const environment = wiring.functions.offers?.environment ?? {};

    expect(Object.keys(environment).sort()).toEqual(
      [...new Set([...Object.keys(provider), ...Object.keys(own)])].sort(),
    );
    expect(environment).toMatchObject({
      TABLE_NAME: 'recommendations',
      BUCKET_NAME: 'show-recs-local',
      POWERTOOLS_SERVICE_NAME: 'show-recs',
      OFFERS_SERVICE_SCOPE: 'offers/read',
      DEEP_LINK_TEMPLATES: (own as Record<string, string>).DEEP_LINK_TEMPLATES,
    });
    expect(wiring.functions.topShowsReport?.environment).toMatchObject({ REPORTS_SCOPE: 'reports/read' });
  });
});

describe('a route or variable added to serverless.yml', () => {
  const root = fixtureRoot(
    `service: wiring-fixture
params:
  default:
    greeting: hello
    echoScope: echo/read
  local:
    jwtIssuer: ${LOCAL_ISSUER}
provider:
  name: aws
  environment:
    FROM_PROVIDER: provider
    SHARED: provider
  httpApi:
    authorizers:
      jwt:
        type: jwt
        identitySource: $request.header.Authorization
        issuerUrl: \${param:jwtIssuer}
        audience: [${LOCAL_AUDIENCE}]
functions:
  echo:
    handler: functions/echo/handler.handler
    environment:
      SHARED: function
      GREETING: \${param:greeting}
    events:
      - httpApi:
          method: get
          path: /echo/{name}
          authorizer:
            name: jwt
            scopes:
              - \${param:echoScope}
      - httpApi: 'POST /echo'
`,
    {
      // What Lambda's init sees (module scope) and what one invocation sees.
      'functions/echo/handler.ts': `const atInit = process.env.GREETING;
export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ atInit, shared: process.env.SHARED, fromProvider: process.env.FROM_PROVIDER, name: event.pathParameters?.name ?? null }),
});
`,
    },
  );

  it('is served locally with no second edit: routes, scopes and environment all come from the file', async () => {
    // Prepare
    const wiring = loadHttpApiWiring({ root });
    const key = await loadOrCreateSigningKey(root);
    const api = new LocalHttpApi({
      authorizer: localAuthorizerSettings(key, wiring.authorizers.jwt),
      routes: await importLocalRoutes(wiring, (fn, work) => runWithEnv(fn.environment, work)),
    });
    const url = await api.listen(0);
    const get = async (path: string, scope?: string) => {
      const token = await signToken(key, { subject: 'someone', ...(scope ? { scope } : {}) });
      return fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    };
    try {
      // Act
      const allowed = await get('/echo/bob', 'echo/read');
      const forbidden = await get('/echo/bob', 'offers/read');
      const publicRoute = await fetch(`${url}/echo`, { method: 'POST' });

      // Assess
      expect(
        wiring.routes.map(({ method, path, authorizer, scopes }) => ({ method, path, authorizer, scopes })),
      ).toEqual([
        { method: 'GET', path: '/echo/{name}', authorizer: 'jwt', scopes: ['echo/read'] },
        { method: 'POST', path: '/echo', scopes: [] },
      ]);
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toEqual({
        atInit: 'hello',
        shared: 'function',
        fromProvider: 'provider',
        name: 'bob',
      });
      expect(forbidden.status).toBe(403);
      expect(publicRoute.status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
