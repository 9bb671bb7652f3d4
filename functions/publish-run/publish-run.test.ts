import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { memoryS3 } from '../../test/support/memory-s3.js';
import { recordingDynamo } from '../../test/support/recording-dynamo.js';
import { LIVE_KEY, popularKey, runRecordKey } from '../_shared/dynamo-table.js';
import { InvalidInputError, RecsError } from '../_shared/errors.js';
import { type PublishRunEvent, publishRun, readPopularShows, sumFanoutResults } from './publish-run.js';

// Unit tests with an in-memory S3 and a recording DynamoDB client: what Publish reads and the writes it sends, and
// how it treats each answer. test/integration/publish.test.ts runs the same code against dynalite, where the
// conditions on the live pointer are evaluated for real.

const BUCKET = 'show-recs-data';
const RUN_ID = '20240501T020000Z-daily';
const NEWER_RUN_ID = '20240502T020000Z-daily';
const ROOT = `runs/${RUN_ID}/`;
const RESULTS = `${ROOT}fanout-results/0f1e2d3c/`;
const MANIFEST = `${RESULTS}manifest.json`;
const NOW = Date.parse('2024-05-01T04:00:00Z');

const counts = (written: number) => JSON.stringify({ written, skipped: 0, retried: 0, objects: 1 });
const manifest = (succeeded: string[], failed: string[] = []) =>
  JSON.stringify({
    ResultFiles: { SUCCEEDED: succeeded.map((Key) => ({ Key })), FAILED: failed.map((Key) => ({ Key })), PENDING: [] },
  });
/** The key a recorded command reads or writes: its Key, or the key attributes of the Item it puts. */
const keyOf = (input: Record<string, unknown>) => {
  const item = input.Item as { viewerId: string; runId: string } | undefined;
  return input.Key ?? (item && { viewerId: item.viewerId, runId: item.runId });
};
const popularRow = (showId: string, partner: string, rank: number) =>
  JSON.stringify({ show_id: showId, title: 'T', genre: 'g', brand: 'b', partner, unique_viewers: 10, rank });

describe('sumFanoutResults', () => {
  it('refuses a manifest that is not a ResultWriter manifest, naming it', async () => {
    const { s3 } = memoryS3({ [BUCKET]: { [MANIFEST]: '{"ResultFiles": []}' } });

    const error = await sumFanoutResults({ Bucket: BUCKET, Key: MANIFEST }, s3).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(`s3://${BUCKET}/${MANIFEST} is not a Map manifest`);
  });

  it('counts a child once by its execution ARN, and every child that has neither ARN nor name', async () => {
    // Prepare: a redriven Map lists child a again; children without ARN or name cannot be told apart, so each counts.
    const arn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:WriteTopTen/map:${name}`;
    const { s3 } = memoryS3({
      [BUCKET]: {
        [MANIFEST]: manifest([`${RESULTS}SUCCEEDED_0.json`, `${RESULTS}SUCCEEDED_1.json`]),
        [`${RESULTS}SUCCEEDED_0.json`]: JSON.stringify([
          { ExecutionArn: arn('a'), Output: counts(1) },
          { Output: counts(10) },
        ]),
        [`${RESULTS}SUCCEEDED_1.json`]: JSON.stringify([
          { ExecutionArn: arn('a'), Output: counts(1) },
          { Output: counts(100) },
          { Name: 'c', Output: counts(1000) },
          { Name: 'c', Output: counts(1000) },
        ]),
      },
    });

    const totals = await sumFanoutResults({ Bucket: BUCKET, Key: MANIFEST }, s3);

    expect(totals).toEqual({ written: 1111, skipped: 0, retried: 0, objects: 4, batches: 4, failedBatches: 0 });
  });

  it('names the object it cannot read, with the S3 error as cause', async () => {
    const { s3 } = memoryS3({ [BUCKET]: {} });

    const error = await sumFanoutResults({ Bucket: BUCKET, Key: MANIFEST }, s3).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RecsError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot read s3://${BUCKET}/${MANIFEST}: `));
    expect((error as Error).cause).toMatchObject({ name: 'NoSuchKey' });
  });

  it('refuses a succeeded child without counts, naming its result file', async () => {
    const { s3 } = memoryS3({
      [BUCKET]: {
        [MANIFEST]: manifest([`${RESULTS}SUCCEEDED_0.json`]),
        [`${RESULTS}SUCCEEDED_0.json`]: JSON.stringify([{ Name: 'a' }]),
      },
    });

    const error = await sumFanoutResults({ Bucket: BUCKET, Key: MANIFEST }, s3).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(`a WriteTopTen result in ${RESULTS}SUCCEEDED_0.json has no counts`);
  });
});

describe('readPopularShows', () => {
  const read = (objects: Record<string, string>, pageSize?: number) => {
    const warnings: unknown[] = [];
    const { s3 } = memoryS3({ [BUCKET]: objects }, { pageSize });
    const result = readPopularShows(BUCKET, `${ROOT}popular/`, { s3, logger: { warn: (_m, f) => warnings.push(f) } });
    return { result, warnings };
  };

  it('passes over blank and whitespace-only lines without counting them as skipped rows', async () => {
    const { result, warnings } = read({
      [`${ROOT}popular/0000_part_00.json`]: `${popularRow('s1', 'own', 1)}\n\n   \n${popularRow('s2', 'own', 2)}\n`,
    });

    expect(await result).toMatchObject({ skippedRows: 0, shows: [{ showId: 's1' }, { showId: 's2' }] });
    expect(warnings).toEqual([]);
  });

  it('reads a NULL title, genre or brand as an empty string', async () => {
    const row = { show_id: 's1', title: null, genre: null, brand: null, partner: 'own', unique_viewers: 1, rank: 1 };
    const { result } = read({ [`${ROOT}popular/0000_part_00.json`]: JSON.stringify(row) });

    expect((await result).shows).toEqual([
      { showId: 's1', title: '', genre: '', brand: '', partners: ['own'], rank: 1, uniqueViewers: 1 },
    ]);
  });

  it('lists a partner once per show, even when a row repeats', async () => {
    const { result } = read({
      [`${ROOT}popular/0000_part_00.json`]: [
        popularRow('s1', 'own', 1),
        popularRow('s1', 'hulu', 1),
        popularRow('s1', 'own', 1),
      ].join('\n'),
    });

    expect((await result).shows.map((show) => show.partners)).toEqual([['hulu', 'own']]);
  });

  it('reads every page of the listing', async () => {
    const { result } = read(
      {
        [`${ROOT}popular/0000_part_00.json`]: popularRow('s1', 'own', 1),
        [`${ROOT}popular/0001_part_00.json`]: popularRow('s2', 'own', 2),
        [`${ROOT}popular/0002_part_00.json`]: popularRow('s3', 'own', 3),
      },
      2,
    );

    expect((await result).shows.map((show) => show.showId)).toEqual(['s1', 's2', 's3']);
  });

  it('orders shows by rank, and shows of the same rank by show id', async () => {
    const { result } = read({
      [`${ROOT}popular/0000_part_00.json`]: [
        popularRow('a', 'own', 2),
        popularRow('z', 'own', 1),
        popularRow('c', 'own', 3),
        popularRow('b', 'own', 3),
      ].join('\n'),
    });

    expect((await result).shows.map((show) => show.showId)).toEqual(['z', 'a', 'b', 'c']);
  });
});

describe('publishRun', () => {
  const objects = {
    [MANIFEST]: manifest([`${RESULTS}SUCCEEDED_0.json`]),
    [`${RESULTS}SUCCEEDED_0.json`]: JSON.stringify([{ Name: 'a', Output: counts(5) }]),
    [`${ROOT}popular/0000_part_00.json`]: popularRow('s1', 'own', 1),
    [`${ROOT}data-quality/0000_part_00.json`]: '{"kind":"nullIds","row_count":2}\n',
  };
  const event = (overrides: Partial<PublishRunEvent['quality']> = {}, dataQuality = true): PublishRunEvent => ({
    run: {
      runId: RUN_ID,
      bucket: BUCKET,
      asOf: '2024-05-01T00:00:00.000Z',
      prefixes: { popular: `${ROOT}popular/`, ...(dataQuality ? { dataQuality: `${ROOT}data-quality/` } : {}) },
    },
    training: { jobName: 'train' },
    quality: { passed: true, ndcg: 0.3, recall: 0.2, popularityNdcg: 0.1, liveNdcg: 0.25, ...overrides },
    model: { name: 'model-r0' },
    fanout: { ResultWriterDetails: { Bucket: BUCKET, Key: MANIFEST } },
  });
  const deps = (answer?: Parameters<typeof recordingDynamo>[0]) => {
    const { dynamo, inputs } = recordingDynamo(answer);
    const { s3, calls } = memoryS3({ [BUCKET]: objects });
    return {
      deps: { s3, dynamo, tableName: 't', ttlDays: 30, now: () => NOW, logger: { warn: () => {} } },
      inputs,
      calls,
    };
  };
  const conditionFailed = () => {
    throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  };

  it('refuses a run that failed the quality gate, naming the field, before reading or writing anything', async () => {
    const { deps: publishDeps, inputs, calls } = deps();

    const error = await publishRun(event({ passed: false }), publishDeps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({
      message: 'refusing to publish a run that failed the quality gate',
      field: 'quality',
    });
    expect(inputs).toEqual([]);
    expect(calls).toEqual([]);
  });

  it("records the live model's nDCG and the data-quality counts in the run record", async () => {
    const { deps: publishDeps, inputs } = deps();

    const result = await publishRun(event(), publishDeps);

    expect(result).toEqual({ published: true, liveRunId: RUN_ID, written: 5, skipped: 0, retried: 0 });
    expect(inputs.map(keyOf)).toEqual([popularKey(RUN_ID), LIVE_KEY, runRecordKey(RUN_ID)]);
    expect(inputs[2]?.Item).toMatchObject({
      status: 'PUBLISHED',
      published: true,
      badRows: { nullIds: 2 },
      metrics: { ndcg: 0.3, recall: 0.2, popularityNdcg: 0.1, liveNdcg: 0.25 },
    });
  });

  it('records no badRows without a data-quality prefix, and a missing live nDCG as null', async () => {
    const { deps: publishDeps, inputs } = deps();

    await publishRun(event({ liveNdcg: undefined }, false), publishDeps);

    expect(inputs[2]?.Item).not.toHaveProperty('badRows');
    expect(inputs[2]?.Item).toMatchObject({ metrics: { liveNdcg: null } });
  });

  it.each([
    ['the SDK class', conditionFailed],
    [
      'another copy of the SDK (matched by name)',
      () => {
        throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
      },
    ],
  ])('records the run SUPERSEDED when both pointer moves fail their condition (%s)', async (_, fail) => {
    // Prepare: a newer run is live, so both conditional updates of #live fail; the consistent read names it.
    const { deps: publishDeps, inputs } = deps((input) => {
      if ('UpdateExpression' in input) return fail();
      if ('ConsistentRead' in input || !('Item' in input)) return { Item: { ...LIVE_KEY, liveRunId: NEWER_RUN_ID } };
      return {};
    });

    // Act
    const result = await publishRun(event(), publishDeps);

    // Assess
    expect(result).toMatchObject({ published: false, liveRunId: NEWER_RUN_ID });
    expect(inputs.map((input) => input.ConditionExpression)).toEqual([
      undefined,
      'liveRunId < :runId',
      'attribute_not_exists(liveRunId) OR liveRunId = :runId',
      undefined,
      undefined,
    ]);
    // The read that names the live run must see the write that made the condition fail.
    expect(inputs[3]).toEqual({ TableName: 't', Key: LIVE_KEY, ConsistentRead: true });
    expect(inputs[4]?.Item).toMatchObject({
      ...runRecordKey(RUN_ID),
      status: 'SUPERSEDED',
      published: false,
      liveRunId: NEWER_RUN_ID,
      supersededBy: NEWER_RUN_ID,
    });
  });

  it('fails on any other error from the pointer update, without trying the other move or writing the record', async () => {
    const { deps: publishDeps, inputs } = deps((input) => {
      if ('UpdateExpression' in input) {
        throw Object.assign(new Error('throughput exceeded'), { name: 'ProvisionedThroughputExceededException' });
      }
      return {};
    });

    const error = await publishRun(event(), publishDeps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RecsError);
    expect((error as Error).message).toBe('cannot move the live pointer: throughput exceeded');
    expect((error as Error).cause).toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(inputs.map(keyOf)).toEqual([popularKey(RUN_ID), LIVE_KEY]);
  });
});
