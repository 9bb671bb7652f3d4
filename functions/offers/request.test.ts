import { describe, expect, it } from 'vitest';
import { TOP_K } from '../../contracts/recommendation-list.js';
import { InvalidInputError } from '../_shared/errors.js';
import { MAX_OFFERS, parseOffersRequest } from './request.js';

/** The InvalidInputError a request is refused with (fails the test when it is accepted). */
function refusal(event: unknown): InvalidInputError {
  try {
    parseOffersRequest(event);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(event)}`);
}

const withQuery = (query: Record<string, string> | null) => ({
  pathParameters: { viewerId: 'v1' },
  queryStringParameters: query,
});

describe('parseOffersRequest: the viewer id', () => {
  it('takes it from the path parameters, else from the raw path', () => {
    expect(parseOffersRequest({ rawPath: '/viewers/from-path/offers' })).toEqual({ viewerId: 'from-path', limit: 10 });
    expect(
      parseOffersRequest({ pathParameters: { viewerId: 'param' }, rawPath: '/viewers/from-path/offers' }).viewerId,
    ).toBe('param');
  });

  it.each([
    ['a raw path of another route', { rawPath: '/viewers/v1/other' }],
    ['a raw path with a prefix', { rawPath: '/x/viewers/v1/offers' }],
    ['no viewer at all', { pathParameters: null }],
    ['the reserved #live', { pathParameters: { viewerId: '#live' } }],
    ['65 characters', { pathParameters: { viewerId: 'v'.repeat(65) } }],
    ['an empty id', { rawPath: '/viewers//offers' }],
  ])('refuses %s, naming viewerId and the rule', (_, event) => {
    const error = refusal(event);

    expect(error.field).toBe('viewerId');
    expect(error.message).toBe('viewerId must be 1-64 characters from A-Z, a-z, 0-9, "_" and "-"');
  });

  it('accepts 64 characters of the alphabet', () => {
    const viewerId = `aZ09_-${'x'.repeat(58)}`;

    expect(parseOffersRequest({ pathParameters: { viewerId } }).viewerId).toBe(viewerId);
  });
});

describe('parseOffersRequest: the query', () => {
  it(`defaults the limit to ${TOP_K} and takes no partner, also for a null query`, () => {
    expect(MAX_OFFERS).toBe(TOP_K);
    expect(parseOffersRequest(withQuery(null))).toEqual({ viewerId: 'v1', limit: TOP_K });
    expect(parseOffersRequest(withQuery({}))).toEqual({ viewerId: 'v1', limit: TOP_K });
  });

  it.each(['1', '9', '10'])('accepts limit=%s', (limit) => {
    expect(parseOffersRequest(withQuery({ limit })).limit).toBe(Number(limit));
  });

  it.each(['0', '11', '99', '01', '-1', '1.5', ' 1', '1 ', ''])('refuses limit=%j naming the field', (limit) => {
    const error = refusal(withQuery({ limit }));

    expect(error.field).toBe('limit');
    expect(error.message).toBe('limit must be an integer from 1 to 10');
  });

  it('filters on a valid partner', () => {
    expect(parseOffersRequest(withQuery({ partner: 'hulu2' }))).toEqual({
      viewerId: 'v1',
      limit: 10,
      partner: 'hulu2',
    });
  });

  it.each(['Hulu', 'hu-lu', 'x'.repeat(33), ''])('refuses partner=%j naming the field', (partner) => {
    const error = refusal(withQuery({ partner }));

    expect(error.field).toBe('partner');
    expect(error.message).toBe('partner must be a partner id (lower-case letters and digits)');
  });

  it('names a short printable unknown parameter, and only such a one', () => {
    const named = refusal(withQuery({ sort: 'x' }));
    const long = refusal(withQuery({ ['p'.repeat(65)]: 'x' }));

    expect(named.field).toBe('sort');
    expect(named.message).toBe('unknown query parameter "sort" (allowed: limit, partner)');
    expect(long.field).toBe('query');
    expect(long.message).toBe('unknown query parameter (allowed: limit, partner)');
  });

  it('refuses an event whose parameters are not string maps', () => {
    const error = refusal({ pathParameters: { viewerId: 'v1' }, queryStringParameters: { limit: 3 } });

    expect(error.field).toBe('request');
    expect(error.message).toBe('request is malformed');
  });
});
