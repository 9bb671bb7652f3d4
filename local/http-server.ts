import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { jwtVerify } from 'jose';
import {
  describeJwtError,
  fromResult,
  gatewayReply,
  type JwtContext,
  lambdaContext,
  matchSegments,
  type Reply,
  readBody,
  scopeClaim,
  splitTarget,
  stringifyClaims,
  toEvent,
} from './http-event.js';
import type { JwtAuthorizerSettings } from './jwt-keys.js';

/**
 * The local HTTP API: what API Gateway (HTTP API, payload format 2.0) does in front of our Lambdas, on loopback.
 * It matches routes, runs the JWT authorizer (signature, issuer, audience, expiry, route scopes), builds the same
 * event and context the Lambda receives (local/http-event.ts), calls the same handler module in-process, and maps
 * its result back.
 */

/** A handler as the Lambda runtime calls it. */
export type LocalRouteHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<unknown>;

/** One route and the handler behind it (`recs serve` derives them from serverless.yml: local/http-routes.ts). */
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

    let jwt: JwtContext = { claims: {}, scopes: null };
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
      // The handler runs in its function's scope (environment, IAM role): local/http-routes.ts wraps it.
      result = await route.handler(event, lambdaContext(route.functionName));
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
  async #authorize(header: string | undefined): Promise<JwtContext | { reply: Reply }> {
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
