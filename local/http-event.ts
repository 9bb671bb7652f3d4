import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { type JWTPayload, errors as joseErrors } from 'jose';

/**
 * API Gateway's HTTP API payload format 2.0, both ways: the request as the Lambda event (headers, query, path
 * parameters, JWT claims), the Lambda result as the response, and the gateway's own bare replies. The server
 * around it (routing, the authorizer) is local/http-server.ts.
 */

/** A matched route as the event names it. */
export interface EventRoute {
  method: string;
  path: string;
}

/** The authorizer's output for the event: claims as strings, scopes or null (as API Gateway sends them). */
export interface JwtContext {
  claims: Record<string, string>;
  scopes: string[] | null;
}

const MAX_BODY_BYTES = 1024 * 1024;
const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export interface Reply {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: Buffer;
}

export const gatewayReply = (statusCode: number, message: string, headers: Record<string, string> = {}): Reply => ({
  statusCode,
  headers: { ...JSON_HEADERS, ...headers },
  body: Buffer.from(JSON.stringify({ message })),
});

/** Splits the request target into path and query without URL parsing (a `//x` target must stay a path). */
export function splitTarget(target: string): { rawPath: string; rawQueryString: string } {
  const question = target.indexOf('?');
  const path = question === -1 ? target : target.slice(0, question);
  return {
    rawPath: path.startsWith('/') ? path : `/${path}`,
    rawQueryString: question === -1 ? '' : target.slice(question + 1),
  };
}

export function matchSegments(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | undefined {
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

export async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function toEvent(input: {
  request: IncomingMessage;
  method: string;
  rawPath: string;
  rawQueryString: string;
  body: Buffer;
  route: EventRoute;
  pathParameters: Record<string, string>;
  jwt: JwtContext;
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
export function stringifyClaims(payload: JWTPayload): Record<string, string> {
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

export function scopeClaim(payload: JWTPayload): string[] {
  const value = payload.scope ?? payload.scp;
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? value.split(' ').filter((scope) => scope.length > 0) : [];
}

export function describeJwtError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token has an invalid ${error.claim} claim`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'the token was not signed by a known key';
  return 'the token is malformed';
}

export function fromResult(result: unknown): Reply {
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
export function lambdaContext(functionName: string): Context {
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
