import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { LocalSetupError } from './errors.js';
import type { JwtAuthorizerSettings } from './jwt-keys.js';

/**
 * The local HTTP API: what API Gateway (HTTP API, payload format 2.0) does in front of our Lambdas, on loopback.
 * It matches routes, runs the JWT authorizer (signature, issuer, audience, expiry, route scopes), builds the same
 * event and context the Lambda receives, calls the same handler module in-process, and maps its result back.
 */

/** A handler as the Lambda runtime calls it. */
export type LocalRouteHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<unknown>;

/** One `httpApi` event of serverless.yml. */
export interface LocalRoute {
  /** HTTP method, upper case (`GET`). */
  method: string;
  /** Route path in API Gateway syntax: `/viewers/{viewerId}/offers`; a last `{name+}` takes the rest of the path. */
  path: string;
  /** serverless.yml function key; names the function in the Lambda context. */
  functionName: string;
  handler: LocalRouteHandler;
  /** `jwt` (default) puts the route behind the JWT authorizer, as every route of ours is in AWS. */
  authorizer?: 'jwt' | 'none';
  /** The route's `authorizer.scopes`: when set, the token must carry one of them (else 403, handler not called). */
  scopes?: readonly string[];
}

/** One line per request for the operator: never the query string or headers (they may hold tokens). */
export interface AccessLogEntry {
  method: string;
  path: string;
  statusCode: number;
  durationMs: number;
}

export interface LocalHttpApiOptions {
  authorizer: JwtAuthorizerSettings;
  routes?: readonly LocalRoute[];
  onRequest?: (entry: AccessLogEntry) => void;
  /** Runs one invocation as the route's function (local/iam: its role's access key). */
  runAs?: <T>(functionName: string, invocation: () => Promise<T>) => Promise<T>;
  /**
   * A request answered 500: the function threw (as Lambda logs it) or the server itself failed. Default: one JSON
   * line on stderr with the route and the error, never the request's headers or body.
   */
  onError?: (failure: ServerFailure) => void;
}

/** What the operator is told about a 500. */
export interface ServerFailure {
  method: string;
  path: string;
  /** The function that threw, or undefined when the server failed before reaching one. */
  functionName?: string;
  error: unknown;
}

const logFailureToStderr = ({ method, path, functionName, error }: ServerFailure): void => {
  const detail =
    error instanceof Error
      ? { errorName: error.name, errorMessage: error.message, stack: error.stack }
      : { error: String(error) };
  process.stderr.write(
    `${JSON.stringify({ level: 'ERROR', message: 'request failed', method, path, functionName, ...detail })}\n`,
  );
};

const MAX_BODY_BYTES = 1024 * 1024;
const JSON_HEADERS = { 'content-type': 'application/json' } as const;

interface Reply {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: Buffer;
}

const gatewayReply = (statusCode: number, message: string, headers: Record<string, string> = {}): Reply => ({
  statusCode,
  headers: { ...JSON_HEADERS, ...headers },
  body: Buffer.from(JSON.stringify({ message })),
});

/** A loopback HTTP server that serves registered routes the way the deployed HTTP API does. */
export class LocalHttpApi {
  readonly #routes: { route: LocalRoute; segments: string[] }[] = [];
  readonly #options: LocalHttpApiOptions;
  #server: Server | undefined;

  constructor(options: LocalHttpApiOptions) {
    this.#options = options;
    for (const route of options.routes ?? []) this.addRoute(route);
  }

  /** Registers a route; more specific paths should be added first when two could match. */
  addRoute(route: LocalRoute): this {
    this.#routes.push({ route: { ...route, method: route.method.toUpperCase() }, segments: route.path.split('/') });
    return this;
  }

  /** Starts listening (port 0 picks a free one) and returns the base URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((request, response) => {
      void this.#serve(request, response);
    });
    server.keepAliveTimeout = 5_000;
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    return this.url;
  }

  get url(): string {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('the local HTTP API is not listening');
    return `http://${address.address}:${address.port}`;
  }

  /** Stops accepting connections and closes the open ones. */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const method = (request.method ?? 'GET').toUpperCase();
    const { rawPath, rawQueryString } = splitTarget(request.url ?? '/');
    let reply: Reply;
    try {
      const body = await readBody(request);
      reply =
        body === undefined
          ? gatewayReply(413, 'Request Entity Too Large')
          : await this.#dispatch(request, method, rawPath, rawQueryString, body);
    } catch (error) {
      this.#failed({ method, path: rawPath, error });
      reply = gatewayReply(500, 'Internal Server Error');
    }
    if (!response.headersSent) {
      response.writeHead(reply.statusCode, {
        ...reply.headers,
        ...(reply.cookies?.length ? { 'set-cookie': reply.cookies } : {}),
        'content-length': String(reply.body.length),
        'apigw-requestid': randomUUID(),
      });
      response.end(method === 'HEAD' ? undefined : reply.body);
    }
    this.#options.onRequest?.({
      method,
      path: rawPath,
      statusCode: reply.statusCode,
      durationMs: performance.now() - startedAt,
    });
  }

  async #dispatch(
    request: IncomingMessage,
    method: string,
    rawPath: string,
    rawQueryString: string,
    body: Buffer,
  ): Promise<Reply> {
    const match = this.#match(method, rawPath);
    if (!match) return gatewayReply(404, 'Not Found');
    const { route, pathParameters } = match;

    let jwt: { claims: Record<string, string>; scopes: string[] | null } = { claims: {}, scopes: null };
    if ((route.authorizer ?? 'jwt') === 'jwt') {
      const verified = await this.#authorize(request.headers.authorization);
      if ('reply' in verified) return verified.reply;
      jwt = verified;
      if (route.scopes?.length && !route.scopes.some((scope) => jwt.scopes?.includes(scope))) {
        return gatewayReply(403, 'Forbidden');
      }
    }

    const event = toEvent({ request, method, rawPath, rawQueryString, body, route, pathParameters, jwt });
    let result: unknown;
    try {
      const call = async () => route.handler(event, lambdaContext(route.functionName));
      result = await (this.#options.runAs ? this.#options.runAs(route.functionName, call) : call());
    } catch (error) {
      // As in AWS: a function error is a bare 500 to the caller, and its details go to the function's log.
      this.#failed({ method, path: rawPath, functionName: route.functionName, error });
      return gatewayReply(500, 'Internal Server Error');
    }
    return fromResult(result);
  }

  #failed(failure: ServerFailure): void {
    (this.#options.onError ?? logFailureToStderr)(failure);
  }

  #match(method: string, rawPath: string): { route: LocalRoute; pathParameters: Record<string, string> } | undefined {
    const segments = rawPath.split('/');
    for (const { route, segments: pattern } of this.#routes) {
      if (route.method !== method && route.method !== 'ANY') continue;
      const pathParameters = matchSegments(pattern, segments);
      if (pathParameters) return { route, pathParameters };
    }
    return undefined;
  }

  // API Gateway's JWT authorizer: a token in Authorization (optionally "Bearer "-prefixed), an RSA signature by a
  // key of the issuer's JWKS (by kid), the configured issuer, one of the audiences, and exp/nbf against the clock.
  async #authorize(
    header: string | undefined,
  ): Promise<{ claims: Record<string, string>; scopes: string[] | null } | { reply: Reply }> {
    const token = header?.replace(/^Bearer\s+/i, '').trim();
    if (!token) return { reply: gatewayReply(401, 'Unauthorized') };
    const { issuer, audience, keys } = this.#options.authorizer;
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        audience: [...audience],
        algorithms: ['RS256', 'RS384', 'RS512'],
        requiredClaims: ['exp'],
      });
      const scopes = scopeClaim(payload);
      return { claims: stringifyClaims(payload), scopes: scopes.length > 0 ? scopes : null };
    } catch (error) {
      return {
        reply: gatewayReply(401, 'Unauthorized', {
          'www-authenticate': `Bearer scope="" error="invalid_token" error_description="${describeJwtError(error)}"`,
        }),
      };
    }
  }
}

/** Splits the request target into path and query without URL parsing (a `//x` target must stay a path). */
function splitTarget(target: string): { rawPath: string; rawQueryString: string } {
  const question = target.indexOf('?');
  const path = question === -1 ? target : target.slice(0, question);
  return {
    rawPath: path.startsWith('/') ? path : `/${path}`,
    rawQueryString: question === -1 ? '' : target.slice(question + 1),
  };
}

function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index++) {
    const expected = pattern[index] ?? '';
    const actual = segments[index];
    const greedy = expected.match(/^\{(\w+)\+\}$/);
    if (greedy?.[1] && index === pattern.length - 1) {
      const rest = segments.slice(index).join('/');
      if (rest.length === 0) return undefined;
      parameters[greedy[1]] = decode(rest);
      return parameters;
    }
    if (actual === undefined) return undefined;
    const name = expected.match(/^\{(\w+)\}$/)?.[1];
    if (name) {
      if (actual.length === 0) return undefined;
      parameters[name] = decode(actual);
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return segments.length === pattern.length ? parameters : undefined;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toEvent(input: {
  request: IncomingMessage;
  method: string;
  rawPath: string;
  rawQueryString: string;
  body: Buffer;
  route: LocalRoute;
  pathParameters: Record<string, string>;
  jwt: { claims: Record<string, string>; scopes: string[] | null };
}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { request, method, rawPath, rawQueryString, body, route, pathParameters, jwt } = input;
  // Payload 2.0: lower-case header names, repeated headers and query parameters joined with commas, cookies apart.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const previous = query.get(name);
    query.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  const now = new Date();
  const routeKey = `${route.method} ${route.path}`;
  const cookies = request.headers.cookie?.split(/;\s*/).filter((cookie) => cookie.length > 0);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(query.size > 0 ? { queryStringParameters: Object.fromEntries(query) } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: { jwt, principalId: '', integrationLatency: 0 },
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: (headers.host ?? '127').split('.')[0] ?? '',
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: body.toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  };
}

// API Gateway hands claims to the function as strings; arrays become "[a b]".
function stringifyClaims(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    claims[name] = Array.isArray(value)
      ? `[${value.join(' ')}]`
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  }
  return claims;
}

function scopeClaim(payload: JWTPayload): string[] {
  const value = payload.scope ?? payload.scp;
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? value.split(' ').filter((scope) => scope.length > 0) : [];
}

function describeJwtError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token has an invalid ${error.claim} claim`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'the token was not signed by a known key';
  return 'the token is malformed';
}

function fromResult(result: unknown): Reply {
  // Payload 2.0: a result without statusCode is a 200 JSON body.
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    return { statusCode: 200, headers: { ...JSON_HEADERS }, body: Buffer.from(JSON.stringify(result ?? null)) };
  }
  const structured = result as {
    statusCode: unknown;
    headers?: Record<string, unknown>;
    cookies?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
  };
  if (typeof structured.statusCode !== 'number' || structured.statusCode < 100 || structured.statusCode > 599) {
    return gatewayReply(500, 'Internal Server Error');
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name.toLowerCase()] = String(value);
  const text = typeof structured.body === 'string' ? structured.body : '';
  return {
    statusCode: structured.statusCode,
    headers,
    ...(Array.isArray(structured.cookies) ? { cookies: structured.cookies.map(String) } : {}),
    body: structured.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text),
  };
}

/** A Lambda context good enough for Powertools' `addContext`. */
function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The reports scope business users' tokens carry (serverless.yml `reportsScope`), unless REPORTS_SCOPE says otherwise. */
export const DEFAULT_REPORTS_SCOPE = 'reports/read';

export interface DefaultLocalRoutesOptions {
  /** The data dir whose warehouse `/reports/latest` reads; without it the route is not offered. */
  dataDir?: string;
  /** Scope `/reports/latest` demands (default REPORTS_SCOPE, else `reports/read`). */
  reportsScope?: string;
}

/**
 * The routes `recs serve` offers, matching serverless.yml's `httpApi` events, plus `GET /reports/latest` (local only:
 * the newest run's report page, behind the same JWT authorizer with the reports scope, as GET /reports/top-shows is
 * in AWS). Handlers are imported here, after the caller has pointed the AWS environment at the stand-ins, because
 * they build their SDK clients at import. Add new routes to this list.
 */
export async function defaultLocalRoutes(options: DefaultLocalRoutesOptions = {}): Promise<LocalRoute[]> {
  const offers = await import('../functions/offers/handler.js');
  const routes: LocalRoute[] = [
    { method: 'GET', path: '/viewers/{viewerId}/offers', functionName: 'offers', handler: offers.handler },
  ];
  if (options.dataDir !== undefined) {
    routes.push(
      latestReportRoute(options.dataDir, options.reportsScope ?? process.env.REPORTS_SCOPE ?? DEFAULT_REPORTS_SCOPE),
    );
  }
  return routes;
}

/** `GET /reports/latest`: the HTML of the newest local run's report, built from the data dir's warehouse. */
export function latestReportRoute(dataDir: string, reportsScope: string): LocalRoute {
  return {
    method: 'GET',
    path: '/reports/latest',
    functionName: 'reports',
    scopes: [reportsScope],
    handler: async () => {
      // Imported on first use: PGlite is large and the offers route does not need it.
      const { renderLatestReport } = await import('./report.js');
      try {
        return {
          statusCode: 200,
          headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
          body: await renderLatestReport(dataDir),
        };
      } catch (error) {
        if (!(error instanceof LocalSetupError)) throw error;
        return {
          statusCode: 404,
          headers: { ...JSON_HEADERS },
          body: JSON.stringify({ error: { code: 'NotFound', message: error.message } }),
        };
      }
    },
  };
}
