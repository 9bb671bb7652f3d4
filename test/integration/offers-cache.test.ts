import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoOffersStore, META_CACHE_MS, OffersStoreError } from '../../functions/offers/store.js';
import {
  createTable,
  LIVE_RUN_ID,
  LOCAL_CREDENTIALS,
  type OffersTable,
  OLD_RUN_ID,
  startOffersTable,
} from './offers-fixtures.js';

// The offers store's small caches (#live pointer, #popular list): reused for META_CACHE_MS, refreshed after, and on a
// failed refresh answering with the last good value while the table is retried once a second. Real dynalite, a fake
// clock, and the SDK's own middleware counting the GetItem calls that really reach the table.
const RETRY_MS = 1_000;
let table: OffersTable;
beforeAll(async () => {
  table = await startOffersTable();
});
afterAll(async () => table?.stop());

let tableName: string;
let tables = 0;
let clockMs: number;
let reads: number;
let store: ReturnType<typeof createDynamoOffersStore>;
beforeEach(async () => {
  tableName = `offers-cache-${++tables}`;
  await createTable(table.client, tableName);
  clockMs = Date.parse('2025-01-01T12:00:00Z');
  reads = 0;
  const client = new DynamoDBClient({ endpoint: table.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  client.middlewareStack.add(
    (next) => async (args) => {
      reads++;
      return next(args);
    },
    { step: 'initialize', name: 'countReads' },
  );
  store = createDynamoOffersStore({ client, tableName, nowMs: () => clockMs });
});

/** Writes the #live pointer; an empty liveRunId breaks docs/contracts.md, so reading it fails. */
const putLive = (liveRunId: string) =>
  table.doc.send(new PutCommand({ TableName: tableName, Item: { viewerId: '#live', runId: '#', liveRunId } }));
const putPopularList = (runId: string, showId: string) =>
  table.doc.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        viewerId: '#popular',
        runId,
        recommendations: [{ showId, title: 'T', genre: 'g', brand: 'b', partners: ['hulu'], rank: 1 }],
      },
    }),
  );

describe('the offers store caches', () => {
  it('reuse the live pointer until it expires, then read the table again', async () => {
    await putLive(OLD_RUN_ID);
    const first = await store.getLivePointer();
    await putLive(LIVE_RUN_ID);

    clockMs += META_CACHE_MS - 1;
    const cached = await store.getLivePointer();
    const readsBeforeExpiry = reads;
    clockMs += 1;
    const refreshed = await store.getLivePointer();

    expect(first?.liveRunId).toBe(OLD_RUN_ID);
    expect(cached?.liveRunId).toBe(OLD_RUN_ID);
    expect(readsBeforeExpiry).toBe(1);
    expect(refreshed?.liveRunId).toBe(LIVE_RUN_ID);
    expect(reads).toBe(2);
  });

  it('share one read between concurrent callers', async () => {
    await putLive(LIVE_RUN_ID);

    const pointers = await Promise.all([store.getLivePointer(), store.getLivePointer(), store.getLivePointer()]);

    expect(pointers.map((pointer) => pointer?.liveRunId)).toEqual([LIVE_RUN_ID, LIVE_RUN_ID, LIVE_RUN_ID]);
    expect(reads).toBe(1);
  });

  it('serve the stale pointer when a refresh after expiry fails, and try the table again a second later', async () => {
    // Prepare: a good pointer is cached, then the item breaks the contract.
    await putLive(OLD_RUN_ID);
    await store.getLivePointer();
    await putLive('');

    // Act
    clockMs += META_CACHE_MS;
    const stale = await store.getLivePointer();
    await putLive(LIVE_RUN_ID);
    clockMs += RETRY_MS - 1;
    const stillStale = await store.getLivePointer();
    const readsWhileWaiting = reads;
    clockMs += 1;
    const recovered = await store.getLivePointer();

    // Assess: one failed read, no read during the retry second, then the new pointer.
    expect(stale?.liveRunId).toBe(OLD_RUN_ID);
    expect(stillStale?.liveRunId).toBe(OLD_RUN_ID);
    expect(readsWhileWaiting).toBe(2);
    expect(recovered?.liveRunId).toBe(LIVE_RUN_ID);
    expect(reads).toBe(3);
  });

  it('serve the stale pointer when the table itself is gone', async () => {
    await putLive(LIVE_RUN_ID);
    await store.getLivePointer();
    await table.client.send(new DeleteTableCommand({ TableName: tableName }));

    clockMs += META_CACHE_MS;
    const stale = await store.getLivePointer();

    expect(stale?.liveRunId).toBe(LIVE_RUN_ID);
    expect(reads).toBe(2);
  });

  it('fail the read when nothing good was ever cached, and retry only after a second', async () => {
    await putLive('');

    const failed = store.getLivePointer();
    await expect(failed).rejects.toBeInstanceOf(OffersStoreError);
    await putLive(LIVE_RUN_ID);
    clockMs += RETRY_MS - 1;
    const cachedFailure = store.getLivePointer();
    await expect(cachedFailure).rejects.toThrow(/#live item does not match the contract/);
    clockMs += 1;
    const recovered = await store.getLivePointer();

    expect(recovered?.liveRunId).toBe(LIVE_RUN_ID);
    expect(reads).toBe(2);
  });

  it('keep the popular list per run: a new live run reads its own list at once', async () => {
    await putPopularList(OLD_RUN_ID, 'old-show');
    await putPopularList(LIVE_RUN_ID, 'new-show');

    const old = await store.getPopular(OLD_RUN_ID);
    const oldAgain = await store.getPopular(OLD_RUN_ID);
    const current = await store.getPopular(LIVE_RUN_ID);

    expect(old?.recommendations.map((show) => show.showId)).toEqual(['old-show']);
    expect(oldAgain).toEqual(old);
    expect(current?.recommendations.map((show) => show.showId)).toEqual(['new-show']);
    expect(reads).toBe(2);
  });
});
