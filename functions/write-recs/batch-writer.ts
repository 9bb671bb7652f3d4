import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { ThrottledError } from '../_shared/errors.js';
import { WriteRecsError } from './errors.js';

/** BatchWriteItem's hard limit. */
export const MAX_ITEMS_PER_REQUEST = 25;

/** The one SDK call the writer makes; a DynamoDBClient satisfies it, and so does a fault-injecting wrapper. */
export interface BatchWriteClient {
  send(command: BatchWriteItemCommand): Promise<BatchWriteItemCommandOutput>;
}

export interface BatchWriterDeps {
  dynamo: BatchWriteClient;
  tableName: string;
  /** Requests in flight at once over the client's keep-alive pool. */
  concurrency: number;
  /** Epoch ms; retrying stops at this instant (a budget below the Lambda timeout). */
  deadlineMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for full jitter. */
  random: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface BatchWriterStats {
  /** Put requests DynamoDB acknowledged. */
  written: number;
  /** Put requests sent again (returned as UnprocessedItems, or in a throttled or failed request). */
  retried: number;
  requests: number;
}

const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);
const TRANSIENT_ERRORS = new Set([
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

type Failure = 'throttled' | 'transient' | 'fatal';

function classify(error: unknown): Failure {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name && THROTTLING_ERRORS.has(e.name)) return 'throttled';
  if ((e.name && TRANSIENT_ERRORS.has(e.name)) || (e.code && TRANSIENT_CODES.has(e.code))) return 'transient';
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return 'transient';
  return 'fatal';
}

/**
 * Writes put requests with BatchWriteItem: 25 a request, `concurrency` requests in flight, and every
 * UnprocessedItem or throttled request retried with exponential backoff and full jitter
 * (sleep = random × min(max, base × 2^attempt), AWS Architecture Blog "Exponential Backoff And Jitter")
 * until the deadline. Then it fails loudly (ThrottledError) rather than drop a single item.
 */
export class BatchWriter {
  readonly stats: BatchWriterStats = { written: 0, retried: 0, requests: 0 };
  private pending = new Map<string, WriteRequest>();
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly deps: BatchWriterDeps) {
    this.baseDelayMs = deps.baseDelayMs ?? 50;
    this.maxDelayMs = deps.maxDelayMs ?? 5_000;
  }

  /**
   * Queues one item under `dedupeKey`. Returns false when the pending request already held that key
   * (BatchWriteItem rejects a request with duplicate keys; the later line wins). Resolves once there is
   * room, which is what keeps the reader from running ahead of DynamoDB.
   */
  async put(dedupeKey: string, item: Record<string, AttributeValue>): Promise<boolean> {
    if (this.failure) throw this.failure;
    const isNew = !this.pending.has(dedupeKey);
    this.pending.set(dedupeKey, { PutRequest: { Item: item } });
    if (this.pending.size >= MAX_ITEMS_PER_REQUEST) await this.dispatch();
    return isNew;
  }

  /** Sends what is queued, waits for every request in flight, and throws the first failure. */
  async flush(): Promise<BatchWriterStats> {
    if (this.pending.size > 0 && !this.failure) await this.dispatch();
    await Promise.allSettled([...this.inFlight]);
    if (this.failure) throw this.failure;
    return this.stats;
  }

  private async dispatch(): Promise<void> {
    const requests = [...this.pending.values()];
    this.pending = new Map();
    const task = this.writeWithRetries(requests).catch((error: unknown) => {
      this.failure ??= error instanceof Error ? error : new WriteRecsError(String(error));
    });
    const tracked = task.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    while (this.inFlight.size >= this.deps.concurrency) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private async writeWithRetries(initial: WriteRequest[]): Promise<void> {
    const { dynamo, tableName } = this.deps;
    let requests = initial;
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await this.backoff(attempt, requests.length);
      if (this.failure) return; // another request already failed the batch; stop spending the budget
      this.stats.requests++;
      let output: BatchWriteItemCommandOutput;
      try {
        output = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
      } catch (error) {
        const failure = classify(error);
        if (failure === 'fatal') {
          throw new WriteRecsError(`BatchWriteItem failed: ${(error as Error).message}`, { cause: error });
        }
        this.stats.retried += requests.length;
        continue;
      }
      const unprocessed = output.UnprocessedItems?.[tableName] ?? [];
      this.stats.written += requests.length - unprocessed.length;
      this.stats.retried += unprocessed.length;
      requests = unprocessed;
    }
  }

  private async backoff(attempt: number, remaining: number): Promise<void> {
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(attempt - 1, 20));
    const delayMs = this.deps.random() * cap;
    if (this.deps.now() + delayMs >= this.deps.deadlineMs) {
      throw new ThrottledError(
        `DynamoDB still throttling or returning unprocessed items at the time budget; ${remaining} items of this ` +
          `request unwritten after ${attempt} attempts (${this.stats.written} written so far). Rerunning the batch is safe.`,
      );
    }
    await this.deps.sleep(delayMs);
  }
}
