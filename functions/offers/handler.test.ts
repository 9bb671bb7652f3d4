import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../_shared/powertools.js';
import { createOffersHandler } from './handler.js';

const NOW = new Date('2025-01-01T12:00:00Z');
const config = { tableName: 'recs', serviceScope: 'offers/read', deepLinkTemplates: {} };

/**
 * A real client whose requests stop before the network: each records its command name and fails. Only whether and
 * when a read starts is asserted here; what the reads return is covered against dynalite in test/integration.
 */
function offlineClient() {
  const commands: string[] = [];
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  client.middlewareStack.add(
    (_next, context) => async () => {
      commands.push(String(context.commandName));
      throw new Error('offline');
    },
    { step: 'initialize' },
  );
  return { client, commands };
}

/** The parts of an HTTP API (payload 2.0) event the handler reads. */
const offersEvent = (viewerId: string, claims: Record<string, string> | null, query?: Record<string, string>) => ({
  pathParameters: { viewerId },
  ...(query ? { queryStringParameters: query } : {}),
  requestContext: claims === null ? {} : { authorizer: { jwt: { claims, scopes: null } } },
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createOffersHandler', () => {
  it('starts reading the live pointer at creation only when asked to prime', async () => {
    const primed = offlineClient();
    const cold = offlineClient();

    createOffersHandler({ config, client: primed.client, now: () => NOW, isPriming: true });
    createOffersHandler({ config, client: cold.client, now: () => NOW });
    await vi.waitFor(() => expect(primed.commands).toEqual(['GetItemCommand']));

    expect(cold.commands).toEqual([]);
  });

  it('answers a request without a token with a 401 saying a bearer token is required, without an error log', async () => {
    const errors = vi.spyOn(logger, 'error');
    const handler = createOffersHandler({ config, client: offlineClient().client, now: () => NOW });

    const response = await handler(offersEvent('viewer-1', null));

    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'Unauthorized', message: 'a bearer token is required' },
    });
    expect(errors).not.toHaveBeenCalled();
  });

  it("answers another viewer's token with a 403 saying what it may not read, without an error log", async () => {
    const errors = vi.spyOn(logger, 'error');
    const handler = createOffersHandler({ config, client: offlineClient().client, now: () => NOW });

    const response = await handler(offersEvent('viewer-1', { sub: 'viewer-2' }));

    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'Forbidden', message: "this token may not read this viewer's offers" },
    });
    expect(errors).not.toHaveBeenCalled();
  });

  it('logs an unexpected failure by its error name only, and answers a 500 that names nothing', async () => {
    const errors = vi.spyOn(logger, 'error');
    const handler = createOffersHandler({
      config,
      client: offlineClient().client,
      now: () => {
        throw new RangeError('clock at /var/task/index.mjs:1:1');
      },
    });

    const response = await handler(offersEvent('viewer-1', { sub: 'viewer-1' }));

    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"error":{"code":"InternalError","message":"Internal error"}}');
    expect(errors).toHaveBeenCalledExactlyOnceWith('offers request failed', { errorName: 'RangeError' });
  });

  it('logs each failed table read with its operation, error and cause names, and still answers', async () => {
    const warnings = vi.spyOn(logger, 'warn');
    const contexts = vi.spyOn(logger, 'addContext');
    const handler = createOffersHandler({ config, client: offlineClient().client, now: () => NOW });
    const context = { functionName: 'offers', awsRequestId: 'req-1' } as Parameters<typeof handler>[1];

    const response = await handler(offersEvent('viewer-1', { sub: 'viewer-1' }), context);

    // Nothing readable: an empty fallback list, never cached (a healthy answer may follow on the next call).
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ viewerId: 'viewer-1', source: 'fallback', offers: [] });
    expect(response.headers?.['cache-control']).toBe('no-store');
    expect(contexts).toHaveBeenCalledExactlyOnceWith(context);
    expect(warnings.mock.calls).toEqual([
      [
        'recommendations table read failed; degrading',
        { operation: 'getLivePointer', errorName: 'OffersStoreError', causeName: 'Error' },
      ],
    ]);
  });
});
