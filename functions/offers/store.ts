import {
  type AttributeValue,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { LIVE_KEY, POPULAR_VIEWER_ID } from '../_shared/dynamo-table.js';
import { RecsError } from '../_shared/errors.js';
import type { LivePointer, OffersStore, PopularList, ViewerList } from './offers.js';

/** A read from the recommendations table failed or returned an item that breaks docs/contracts.md. */
export class OffersStoreError extends RecsError {
  override name = 'OffersStoreError';
}

/**
 * The offers client: login waits on it, so a slow table must degrade to the fallback quickly rather than hold the
 * request. Two attempts of at most 300 ms each (plus the SDK's jittered backoff) bound a read well under a second.
 */
export function makeOffersDynamoClient(overrides: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: 2,
    // throwOnRequestTimeout: without it the SDK only logs a request past requestTimeout and keeps waiting.
    requestHandler: { requestTimeout: 300, connectionTimeout: 300, throwOnRequestTimeout: true },
    ...overrides,
  });
}

/** How long the live pointer and the popular list are reused: a new run goes live within this time. */
export const META_CACHE_MS = 30_000;
/** After a failed meta read, how long to wait before trying the table again (one request per second, not per call). */
const META_RETRY_MS = 1_000;

// What a stored show carries in both lists; the viewer's names one partner, the popular list every carrier.
const SHOW_FIELDS = { showId: z.string(), title: z.string(), genre: z.string(), brand: z.string() };
const ViewerItem = z.object({
  runId: z.string(),
  modelVersion: z.optional(z.string()),
  ttl: z.optional(z.number()),
  recommendations: z.array(
    z.object({ ...SHOW_FIELDS, partner: z.string(), rank: z.number(), reason: z.optional(z.string()) }),
  ),
});
const PopularItem = z.object({
  runId: z.string(),
  recommendations: z.array(z.object({ ...SHOW_FIELDS, partners: z.array(z.string()), rank: z.number() })),
});
const LiveItem = z.object({
  liveRunId: z.string().check(z.minLength(1)),
  modelVersion: z.optional(z.string()),
  previousLiveRunId: z.optional(z.string().check(z.minLength(1))),
});

export interface DynamoOffersStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Monotonic-enough milliseconds for the caches (Date.now in the handler, a fake clock in tests). */
  nowMs: () => number;
}

/**
 * Reads the recommendations table: the viewer's row with one eventually consistent GetItem per call, the `#live`
 * pointer and the run's `#popular` item through small in-memory caches shared by every invocation of a warm Lambda.
 */
export function createDynamoOffersStore(options: DynamoOffersStoreOptions): OffersStore {
  const { client, tableName, nowMs } = options;

  const getItem = async (viewerId: string, runId: string): Promise<Record<string, unknown> | undefined> => {
    try {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { viewerId: { S: viewerId }, runId: { S: runId } },
          ConsistentRead: false,
        }),
      );
      return Item ? fromItem(Item) : undefined;
    } catch (error) {
      throw new OffersStoreError('GetItem on the recommendations table failed', { cause: error });
    }
  };

  const parse = <T>(schema: z.ZodMiniType<T>, item: Record<string, unknown> | undefined, what: string) => {
    if (item === undefined) return undefined;
    const parsed = schema.safeParse(item);
    if (!parsed.success) throw new OffersStoreError(`${what} item does not match the contract`);
    return parsed.data;
  };

  const livePointer = cachedLoader(
    nowMs,
    async (): Promise<LivePointer | undefined> =>
      parse(LiveItem, await getItem(LIVE_KEY.viewerId, LIVE_KEY.runId), '#live'),
  );
  let popular: { runId: string; load: () => Promise<PopularList | undefined> } | undefined;

  return {
    getLivePointer: livePointer,
    async getViewerList(viewerId: string, runId: string): Promise<ViewerList | undefined> {
      return parse(ViewerItem, await getItem(viewerId, runId), 'viewer');
    },
    getPopular(runId: string): Promise<PopularList | undefined> {
      // Only the live run's list is ever asked for, so one cache slot is enough.
      if (popular?.runId !== runId) {
        popular = {
          runId,
          load: cachedLoader(nowMs, async () =>
            parse(PopularItem, await getItem(POPULAR_VIEWER_ID, runId), '#popular'),
          ),
        };
      }
      return popular.load();
    },
  };
}

/**
 * Caches `load`'s promise for META_CACHE_MS, so concurrent callers share one read. A failure is retried after
 * META_RETRY_MS, and meanwhile answers with the last good value when there is one (stale beats nothing at login).
 */
function cachedLoader<T>(nowMs: () => number, load: () => Promise<T>): () => Promise<T> {
  let entry: { value: Promise<T>; expiresAtMs: number } | undefined;
  let lastGood: { value: T } | undefined;
  return () => {
    const startedAtMs = nowMs();
    if (entry && startedAtMs < entry.expiresAtMs) return entry.value;
    const current: { value: Promise<T>; expiresAtMs: number } = {
      expiresAtMs: startedAtMs + META_CACHE_MS,
      value: load().then(
        (value) => {
          lastGood = { value };
          return value;
        },
        (error: unknown) => {
          current.expiresAtMs = startedAtMs + META_RETRY_MS;
          if (lastGood) return lastGood.value;
          throw error;
        },
      ),
    };
    entry = current;
    return current.value;
  };
}

/** DynamoDB's attribute-value JSON to plain values (the subset the table uses), without pulling in lib-dynamodb. */
export function fromItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, fromAttributeValue(value)]));
}

function fromAttributeValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromAttributeValue);
  if (value.M !== undefined) return fromItem(value.M);
  if (value.SS !== undefined) return [...value.SS];
  if (value.NS !== undefined) return value.NS.map(Number);
  return undefined;
}
