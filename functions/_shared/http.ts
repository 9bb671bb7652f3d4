import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ForbiddenError, InvalidInputError, UnauthorizedError } from './errors.js';

/** An HTTP API (payload 2.0) response with the fields we always set. */
export type HttpResponse = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

/** Errors are never cached: a 401 today may be a 200 after the caller refreshes its token. */
const ERROR_HEADERS = { 'cache-control': 'no-store' } as const;

/** A JSON response; `headers` are added to (and may override) the content type. */
export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/** The error body every route answers with: a stable code, a message for humans and, for a 400, the field at fault. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/**
 * The one place errors become status codes. Known errors carry only their own message (written by us, never
 * echoing a stack or an SDK error); anything else is a 500 with a fixed body, so no internals leak.
 */
export function errorResponse(error: unknown): HttpResponse {
  if (error instanceof InvalidInputError) {
    const body: ErrorBody = {
      error: { code: 'InvalidInput', message: error.message, ...(error.field ? { field: error.field } : {}) },
    };
    return jsonResponse(400, body, ERROR_HEADERS);
  }
  if (error instanceof UnauthorizedError) {
    return jsonResponse(401, { error: { code: 'Unauthorized', message: error.message } } satisfies ErrorBody, {
      ...ERROR_HEADERS,
      'www-authenticate': 'Bearer',
    });
  }
  if (error instanceof ForbiddenError) {
    return jsonResponse(
      403,
      { error: { code: 'Forbidden', message: error.message } } satisfies ErrorBody,
      ERROR_HEADERS,
    );
  }
  return jsonResponse(
    500,
    { error: { code: 'InternalError', message: 'Internal error' } } satisfies ErrorBody,
    ERROR_HEADERS,
  );
}

/** True for errors `errorResponse` maps to a 4xx: expected outcomes, not worth an error log. */
export function isClientError(error: unknown): boolean {
  return error instanceof InvalidInputError || error instanceof UnauthorizedError || error instanceof ForbiddenError;
}
