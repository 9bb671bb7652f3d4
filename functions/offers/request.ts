import * as z from 'zod/mini';
import { PARTNER_ID_PATTERN, VIEWER_ID_PATTERN, VIEWER_ID_RULE } from '../../contracts/ids.js';
import { TOP_K } from '../../contracts/recommendation-list.js';
import { InvalidInputError } from '../_shared/errors.js';

const LIMIT_PATTERN = /^[1-9][0-9]?$/;
export const MAX_OFFERS = TOP_K;
const QUERY_PARAMETERS: ReadonlySet<string> = new Set(['limit', 'partner']);

/** A validated `GET /viewers/{viewerId}/offers` request. */
export interface OffersRequest {
  viewerId: string;
  /** 1–10. */
  limit: number;
  partner?: string;
}

const Event = z.object({
  rawPath: z.optional(z.string()),
  pathParameters: z.optional(z.nullable(z.record(z.string(), z.optional(z.string())))),
  queryStringParameters: z.optional(z.nullable(z.record(z.string(), z.optional(z.string())))),
});

/** Parses an HTTP API (payload 2.0) event into an OffersRequest; throws InvalidInputError naming the field. */
export function parseOffersRequest(event: unknown): OffersRequest {
  const parsed = Event.safeParse(event);
  if (!parsed.success) throw new InvalidInputError('request is malformed', 'request');
  const { pathParameters, queryStringParameters, rawPath } = parsed.data;

  // The route gives {viewerId}; the raw path is only a fallback for an integration set up without it.
  const viewerId = pathParameters?.viewerId ?? rawPath?.match(/^\/viewers\/([^/]*)\/offers$/)?.[1];
  if (viewerId === undefined || !VIEWER_ID_PATTERN.test(viewerId)) {
    throw new InvalidInputError(`viewerId must be ${VIEWER_ID_RULE}`, 'viewerId');
  }

  const query = queryStringParameters ?? {};
  for (const name of Object.keys(query)) {
    if (!QUERY_PARAMETERS.has(name)) {
      // Name the parameter only when it is printable and short, so the body never reflects arbitrary input.
      const field = /^[\w.-]{1,64}$/.test(name) ? name : 'query';
      throw new InvalidInputError(
        `unknown query parameter ${field === 'query' ? '' : `"${name}" `}(allowed: limit, partner)`,
        field,
      );
    }
  }
  const { limit, partner } = query;
  if (limit !== undefined && !(LIMIT_PATTERN.test(limit) && Number(limit) <= MAX_OFFERS)) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_OFFERS}`, 'limit');
  }
  if (partner !== undefined && !PARTNER_ID_PATTERN.test(partner)) {
    throw new InvalidInputError('partner must be a partner id (lower-case letters and digits)', 'partner');
  }
  return { viewerId, limit: limit === undefined ? MAX_OFFERS : Number(limit), ...(partner ? { partner } : {}) };
}
