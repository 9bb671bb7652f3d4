import { type AttributeValue, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ThrottledError } from '../../functions/_shared/errors.js';
import { BatchWriter, type BatchWriterDeps } from '../../functions/write-recs/batch-writer.js';
import { WriteRecsError } from '../../functions/write-recs/errors.js';
import { type AwsStandIns, startAwsStandIns } from '../support/aws-standins.js';
import { type ScriptedAnswer, scriptedDynamo } from '../support/flaky-dynamo.js';
import { createRecommendationsTable } from '../support/tables.js';

// How BatchWriter sorts what DynamoDB answers: UnprocessedItems and throttling/transient errors are retried (only
// the items still unwritten), anything else fails the batch at once, and the time budget ends retrying with
// ThrottledError. Against dynalite, with scripted answers wrapped around the real client (no SDK mock).
let aws: AwsStandIns;
beforeAll(async () => {
  aws = await startAwsStandIns();
});
afterAll(async () => {
  await aws?.stop();
});

let tableName: string;
let tables = 0;
beforeEach(async () => {
  tableName = `batch-writer-${++tables}`;
  await createRecommendationsTable(aws.dynamo, tableName);
});

const START_MS = Date.parse('2024-05-02T03:00:00Z');
const item = (i: number): Record<string, AttributeValue> => ({
  viewerId: { S: `viewer-${i}` },
  runId: { S: '20240502T020000Z-daily' },
});
const viewerOf = (request: { PutRequest?: { Item?: Record<string, AttributeValue> } }) =>
  request.PutRequest?.Item?.viewerId?.S;

/** A writer on a fake clock: sleeping advances it, and every backoff it chose is kept. */
function writerWith(client: BatchWriterDeps['dynamo'], budgetMs = 60_000) {
  let clockMs = START_MS;
  const sleepsMs: number[] = [];
  const writer = new BatchWriter({
    dynamo: client,
    tableName,
    concurrency: 1,
    deadlineMs: START_MS + budgetMs,
    now: () => clockMs,
    sleep: async (ms) => {
      sleepsMs.push(ms);
      clockMs += ms;
    },
    random: () => 0.5,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
  });
  return { writer, sleepsMs };
}

async function putAll(writer: BatchWriter, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await writer.put(`viewer-${i}`, item(i));
}

async function viewersInTable(): Promise<string[]> {
  const out = await aws.doc.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return (out.Items ?? []).map((row) => String(row.viewerId)).sort();
}

const allViewers = (count: number) => Array.from({ length: count }, (_, i) => `viewer-${i}`).sort();
const named = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`injected ${name}`), { name, ...extra });

describe('BatchWriter against dynalite', () => {
  it('resends exactly the items DynamoDB returned unprocessed, and counts them as retried', async () => {
    // Prepare: the first request (25 items) gets 10 back unprocessed.
    const client = scriptedDynamo(aws.dynamo, [{ unprocessed: 10 }]);
    const { writer, sleepsMs } = writerWith(client);

    // Act: 30 puts are one full request plus 5 sent by flush.
    await putAll(writer, 30);
    const stats = await writer.flush();

    // Assess
    expect(stats).toEqual({ written: 30, retried: 10, requests: 3 });
    expect(client.calls.map((call) => call.length)).toEqual([25, 10, 5]);
    expect(client.calls[1]?.map(viewerOf)).toEqual(client.calls[0]?.slice(0, 10).map(viewerOf));
    expect(sleepsMs).toEqual([50]); // full jitter: random 0.5 × base 100 on the first retry
    expect(await viewersInTable()).toEqual(allViewers(30));
  });

  it.each<[string, unknown]>([
    [
      'ProvisionedThroughputExceededException',
      new ProvisionedThroughputExceededException({ message: 'x', $metadata: {} }),
    ],
    ['ThrottlingException', named('ThrottlingException')],
    ['RequestLimitExceeded', named('RequestLimitExceeded')],
    ['InternalServerError', named('InternalServerError')],
    ['ServiceUnavailable', named('ServiceUnavailable')],
    ['TimeoutError', named('TimeoutError')],
    ['RequestTimeout', named('RequestTimeout')],
    ['RequestTimeoutException', named('RequestTimeoutException')],
    ['a reset connection', named('Error', { code: 'ECONNRESET' })],
    ['a refused connection', named('Error', { code: 'ECONNREFUSED' })],
    ['a broken pipe', named('Error', { code: 'EPIPE' })],
    ['a socket timeout', named('Error', { code: 'ETIMEDOUT' })],
    ['a DNS hiccup', named('Error', { code: 'EAI_AGAIN' })],
    ['an unknown 503', named('UnknownError', { $metadata: { httpStatusCode: 503 } })],
  ])('retries the whole request after %s, and writes it', async (_, error) => {
    const client = scriptedDynamo(aws.dynamo, [{ error }]);
    const { writer } = writerWith(client);

    await putAll(writer, 3);
    const stats = await writer.flush();

    expect(stats).toEqual({ written: 3, retried: 3, requests: 2 });
    expect(await viewersInTable()).toEqual(allViewers(3));
  });

  it.each<[string, ScriptedAnswer[]]>([
    ['an access denial (4xx)', [{ error: named('AccessDeniedException', { $metadata: { httpStatusCode: 400 } }) }]],
    ['an error with no name or status', [{ error: new Error('socket hang up') }]],
  ])('fails the batch at once, without retrying, on %s', async (_, script) => {
    const client = scriptedDynamo(aws.dynamo, script);
    const { writer, sleepsMs } = writerWith(client);

    await putAll(writer, 3);
    const flushed = writer.flush();

    await expect(flushed).rejects.toBeInstanceOf(WriteRecsError);
    await expect(flushed).rejects.toThrow(/^BatchWriteItem failed: /);
    expect(client.calls).toHaveLength(1);
    expect(sleepsMs).toEqual([]);
    expect(await viewersInTable()).toEqual([]);
  });

  it("fails at once on the table's own ValidationException, keeping it as the cause", async () => {
    // Prepare: an item without the table's sort key, which dynalite refuses as DynamoDB does.
    const client = scriptedDynamo(aws.dynamo, []);
    const { writer } = writerWith(client);
    await writer.put('bad', { viewerId: { S: 'viewer-bad' } });

    // Act
    const error = await writer.flush().then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(WriteRecsError);
    expect((error as Error).cause).toMatchObject({ name: 'ValidationException' });
    expect(client.calls).toHaveLength(1);
  });

  it('gives up with ThrottledError at the time budget, naming what is still unwritten', async () => {
    // Prepare: every answer holds back the same 4 items; the budget allows a few backoffs only.
    const client = scriptedDynamo(
      aws.dynamo,
      Array.from({ length: 50 }, () => ({ unprocessed: 4 })),
    );
    const { writer, sleepsMs } = writerWith(client, 1_000);

    // Act
    await putAll(writer, 6);
    const flushed = writer.flush();

    // Assess: backoffs of 50, 100, 200, 400 ms (0.5 × 100·2^n) fit in 1 s; the next (500) would not.
    await expect(flushed).rejects.toBeInstanceOf(ThrottledError);
    await expect(flushed).rejects.toThrow(/4 items of this request unwritten after 5 attempts \(2 written so far\)/);
    expect(sleepsMs).toEqual([50, 100, 200, 400]);
    expect(await viewersInTable()).toEqual(
      allViewers(6).filter((v) => !client.calls[0]?.slice(0, 4).map(viewerOf).includes(v)),
    );
  });
});
