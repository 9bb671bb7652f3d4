import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ForbiddenError,
  InvalidInputError,
  RecsError,
  ThrottledError,
  UnauthorizedError,
} from './errors.js';
import { errorResponse, isClientError, jsonResponse } from './http.js';

describe('jsonResponse', () => {
  it('serialises the body as UTF-8 JSON and lets the caller add headers', () => {
    expect(jsonResponse(200, { a: 1 }, { 'cache-control': 'no-store' })).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: '{"a":1}',
    });
  });
});

describe('errorResponse', () => {
  it('answers bad input with a 400 naming the field at fault, never cached', () => {
    const response = errorResponse(new InvalidInputError('limit must be 1 to 10', 'limit'));

    expect(response).toEqual({
      statusCode: 400,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: JSON.stringify({ error: { code: 'InvalidInput', message: 'limit must be 1 to 10', field: 'limit' } }),
    });
  });

  it('leaves the field out of a 400 whose error names none', () => {
    expect(JSON.parse(errorResponse(new InvalidInputError('bad request')).body)).toEqual({
      error: { code: 'InvalidInput', message: 'bad request' },
    });
  });

  it('answers a missing token with a 401 that asks for a bearer token, never cached', () => {
    const response = errorResponse(new UnauthorizedError('a bearer token is required'));

    expect(response).toEqual({
      statusCode: 401,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'www-authenticate': 'Bearer',
      },
      body: JSON.stringify({ error: { code: 'Unauthorized', message: 'a bearer token is required' } }),
    });
  });

  it('answers a token that may not read the resource with a 403, never cached', () => {
    const response = errorResponse(new ForbiddenError('not yours'));

    expect(response.statusCode).toBe(403);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'Forbidden', message: 'not yours' } });
  });

  it.each([
    ['an unknown error', new TypeError('secret internals at /var/task/index.mjs:1:1')],
    ['one of our own server-side errors', new ConfigError('TABLE_NAME is missing')],
    ['a thrown non-error', 'boom'],
  ])('answers %s with a 500 that names nothing', (_label, error) => {
    const response = errorResponse(error);

    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"error":{"code":"InternalError","message":"Internal error"}}');
  });
});

describe('isClientError', () => {
  it.each([new InvalidInputError('bad', 'limit'), new UnauthorizedError('no token'), new ForbiddenError('not yours')])(
    "counts %s, which errorResponse answers with a 4xx, as the client's",
    (error) => {
      expect(isClientError(error)).toBe(true);
    },
  );

  it.each([
    new RecsError('base'),
    new ThrottledError('slow down'),
    new ConfigError('bad env'),
    new Error('plain'),
    'a string',
  ])('counts %s, which errorResponse answers with a 500, as ours', (error) => {
    expect(isClientError(error)).toBe(false);
  });
});
