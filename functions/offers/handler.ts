import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { canReadViewer, principalFromEvent } from '../_shared/auth.js';
import { ForbiddenError, UnauthorizedError } from '../_shared/errors.js';
import { errorResponse, type HttpResponse, isClientError, jsonResponse } from '../_shared/http.js';
import { logger } from '../_shared/powertools.js';
import { loadOffersConfig, type OffersConfig } from './config.js';
import { getOffers } from './offers.js';
import { parseOffersRequest } from './request.js';
import { createDynamoOffersStore, makeOffersDynamoClient } from './store.js';

/**
 * Offers change once per pipeline run (daily), so the app may reuse a viewer's answer for five minutes; `private`
 * keeps shared caches from storing one viewer's offers, and Vary keeps a browser from reusing it across tokens.
 */
const OK_HEADERS = { 'cache-control': 'private, max-age=300', vary: 'Authorization' } as const;
/** A fallback caused by a failing table is served but not cached, so the viewer's own list shows up once it recovers. */
const DEGRADED_HEADERS = { 'cache-control': 'no-store', vary: 'Authorization' } as const;

export type OffersHandler = (event: unknown, context?: Context) => Promise<HttpResponse>;

export interface OffersHandlerOptions {
  config: OffersConfig;
  client: DynamoDBClient;
  now?: () => Date;
  /**
   * Start reading the live pointer now. At cold start this overlaps the first table round trip (and the SDK's
   * one-time set-up: credentials, endpoint rules, signing key, connection) with the rest of Lambda init.
   */
  isPriming?: boolean;
}

/** Builds the `GET /viewers/{viewerId}/offers` handler around one client and its caches. */
export function createOffersHandler(options: OffersHandlerOptions): OffersHandler {
  const { config, client } = options;
  const now = options.now ?? (() => new Date());
  const store = createDynamoOffersStore({ client, tableName: config.tableName, nowMs: () => now().getTime() });
  // A failed prime is only a cache miss: the first request reads (and reports) again.
  if (options.isPriming) store.getLivePointer().catch(() => undefined);
  const deps = {
    store,
    now,
    deepLinkTemplates: config.deepLinkTemplates,
    ...(config.experiment ? { experiment: config.experiment } : {}),
    // Ids and error names only: never the event (it holds the token) nor the offers.
    onStoreError: (operation: string, error: unknown) =>
      logger.warn('recommendations table read failed; degrading', {
        operation,
        errorName: error instanceof Error ? error.name : typeof error,
        causeName: error instanceof Error && error.cause instanceof Error ? error.cause.name : undefined,
      }),
  };

  return async (event, context) => {
    if (context) logger.addContext(context);
    try {
      // The authorizer runs first in AWS, so "who are you" (401) is answered before "what do you want" (400).
      const principal = principalFromEvent(event);
      if (!principal) throw new UnauthorizedError('a bearer token is required');
      const request = parseOffersRequest(event);
      if (!canReadViewer(principal, request.viewerId, config.serviceScope)) {
        throw new ForbiddenError("this token may not read this viewer's offers");
      }
      const { body, isDegraded } = await getOffers(request, deps);
      logger.debug('offers served', {
        source: body.source,
        runId: body.runId,
        count: body.offers.length,
        variant: body.experiment?.variant,
        isDegraded,
      });
      return jsonResponse(200, body, isDegraded ? DEGRADED_HEADERS : OK_HEADERS);
    } catch (error) {
      if (!isClientError(error)) logger.error('offers request failed', { errorName: errorName(error) });
      return errorResponse(error);
    }
  };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

// Built once per cold start. A bad environment is reported on every invocation (as a 500 without internals)
// instead of crashing the import, so the log says what is wrong.
const built: OffersHandler | Error = (() => {
  try {
    return createOffersHandler({
      config: loadOffersConfig(process.env),
      client: makeOffersDynamoClient(),
      isPriming: true,
    });
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
})();

/** The Lambda entry point (`functions/offers/handler.handler`). */
export const handler: OffersHandler = async (event, context) => {
  if (typeof built === 'function') return built(event, context);
  logger.error('offers handler is misconfigured', { errorName: built.name, message: built.message });
  return errorResponse(built);
};
