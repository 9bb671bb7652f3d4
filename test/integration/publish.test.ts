import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../contracts/recommendation-list.js';
import { LIVE_KEY, popularKey, runRecordKey } from '../../functions/_shared/dynamo-table.js';
import {
  type PublishRunDeps,
  type PublishRunEvent,
  publishRun,
  readPopularShows,
} from '../../functions/publish-run/publish-run.js';
import { qualityGate } from '../../functions/quality-gate/quality-gate.js';
import { recordFailure } from '../../functions/record-failure/record-failure.js';
import { type AwsStandIns, startAwsStandIns } from '../support/aws-standins.js';
import { createRecommendationsTable } from '../support/tables.js';

const OLDER_RUN = '20240501T020000Z-daily';
const NEWER_RUN = '20240502T020000Z-daily';
const NOW = Date.parse('2024-05-02T04:00:00Z');

let aws: AwsStandIns;
beforeAll(async () => {
  aws = await startAwsStandIns();
});
afterAll(async () => {
  await aws?.stop();
});

// Each test gets an empty table of its own and publishes whatever it relies on, so no test reads the pointer or the
// records another left behind (the order is free: `vitest run --sequence.shuffle`). The S3 objects are rewritten by
// each test that reads them.
let tableName: string;
let tables = 0;
beforeEach(async () => {
  tableName = `publish-${++tables}`;
  await createRecommendationsTable(aws.dynamo, tableName);
});

const get = async (key: Record<string, string>) =>
  (await aws.doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;

function deps(): PublishRunDeps {
  return {
    s3: aws.s3,
    dynamo: aws.doc,
    tableName,
    ttlDays: 30,
    now: () => NOW,
    logger: { warn: () => {} },
  };
}

/** Writes the popular UNLOAD part and a ResultWriter manifest in AWS's format, and returns Publish's input. */
async function preparePublishedRun(
  runId: string,
  ndcg: number,
  batches: { written: number; skipped: number; retried: number }[],
) {
  const root = `runs/${runId}/`;
  const popularRows = [
    { show_id: 's2', title: 'Two', genre: 'drama', brand: 'b', partner: 'hulu', unique_viewers: '40', rank: '2' },
    { show_id: 's1', title: 'One', genre: 'crime', brand: 'a', partner: 'own', unique_viewers: 90, rank: 1 },
    { show_id: 's1', title: 'One', genre: 'crime', brand: 'a', partner: 'hulu', unique_viewers: 90, rank: 1 },
  ];
  await aws.putText(`${root}popular/0000_part_00.json`, `${popularRows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const resultsPrefix = `${root}fanout-results/0f1e2d3c/`;
  const entry = (counts: (typeof batches)[number], i: number) => ({
    ExecutionArn: `arn:aws:states:us-east-1:123456789012:execution:WriteTopTen/map:${runId}-${i}`,
    Input: '{}',
    InputDetails: { Included: true },
    Name: `${runId}-${i}`,
    Output: JSON.stringify({ ...counts, objects: 2 }),
    OutputDetails: { Included: true },
    RedriveCount: 0,
    Status: 'SUCCEEDED',
  });
  const half = Math.ceil(batches.length / 2);
  await aws.putText(`${resultsPrefix}SUCCEEDED_0.json`, JSON.stringify(batches.slice(0, half).map(entry)));
  // The second file repeats the first child, as a redriven Map run's results can: it must count once.
  await aws.putText(
    `${resultsPrefix}SUCCEEDED_1.json`,
    JSON.stringify([...batches.slice(half).map((b, i) => entry(b, half + i)), ...batches.slice(0, 1).map(entry)]),
  );
  await aws.putText(
    `${resultsPrefix}FAILED_0.json`,
    JSON.stringify([{ Name: 'x', Status: 'FAILED', Error: 'WriteRecsError' }]),
  );
  const manifestKey = `${resultsPrefix}manifest.json`;
  await aws.putText(
    manifestKey,
    JSON.stringify({
      DestinationBucket: aws.bucket,
      MapRunArn: `arn:aws:states:us-east-1:123456789012:mapRun:x/${runId}`,
      ResultFiles: {
        FAILED: [{ Key: `${resultsPrefix}FAILED_0.json`, Size: 80 }],
        PENDING: [],
        SUCCEEDED: [
          { Key: `${resultsPrefix}SUCCEEDED_0.json`, Size: 100 },
          { Key: `${resultsPrefix}SUCCEEDED_1.json`, Size: 100 },
        ],
      },
    }),
  );
  const event: PublishRunEvent = {
    run: { runId, bucket: aws.bucket, asOf: '2024-05-01T00:00:00.000Z', prefixes: { popular: `${root}popular/` } },
    training: { jobName: `${runId.toLowerCase()}-train-r0`, metrics: [] },
    quality: { passed: true, reason: 'ok', ndcg, recall: 0.2, popularityNdcg: 0.1, liveNdcg: null },
    model: { name: `${runId.toLowerCase()}-model-r0`, arn: 'arn:x' },
    fanout: { MapRunArn: 'arn:y', ResultWriterDetails: { Bucket: aws.bucket, Key: manifestKey } },
  };
  return event;
}

describe('publishRun, qualityGate and recordFailure against the local stand-ins', () => {
  it('publishes a run: sums the Map results once each, writes the popular list, the record and the live pointer', async () => {
    // Prepare
    const event = await preparePublishedRun(OLDER_RUN, 0.3, [
      { written: 100, skipped: 1, retried: 5 },
      { written: 200, skipped: 2, retried: 0 },
      { written: 50, skipped: 0, retried: 7 },
    ]);

    // Act
    const result = await publishRun(event, deps());

    // Assess
    expect(result).toEqual({ published: true, liveRunId: OLDER_RUN, written: 350, skipped: 3, retried: 12 });
    expect(await get(LIVE_KEY)).toMatchObject({ liveRunId: OLDER_RUN, ndcg: 0.3, modelVersion: event.model.name });
    const popular = await get(popularKey(OLDER_RUN));
    expect(popular?.recommendations).toEqual([
      { showId: 's1', title: 'One', genre: 'crime', brand: 'a', partners: ['hulu', 'own'], rank: 1, uniqueViewers: 90 },
      { showId: 's2', title: 'Two', genre: 'drama', brand: 'b', partners: ['hulu'], rank: 2, uniqueViewers: 40 },
    ]);
    expect(await get(runRecordKey(OLDER_RUN))).toMatchObject({
      status: 'PUBLISHED',
      counts: {
        written: 350,
        skipped: 3,
        retried: 12,
        batches: 3,
        failedBatches: 1,
        objects: 6,
        popularShows: 2,
        skippedPopularRows: 0,
      },
      metrics: { ndcg: 0.3 },
      timings: { startedAt: '2024-05-01T02:00:00Z', durationSeconds: 93_600 },
    });
  });

  it('counts and logs popular rows it cannot read (too long, not JSON) instead of dropping them silently', async () => {
    const prefix = 'runs/20240509T020000Z-bad-popular/popular/';
    const good = {
      show_id: 's1',
      title: 'One',
      genre: 'crime',
      brand: 'a',
      partner: 'hulu',
      unique_viewers: 9,
      rank: 1,
    };
    const tooLong = JSON.stringify({ ...good, title: 'x'.repeat(70_000) });
    await aws.putText(`${prefix}0000_part_00.json`, [JSON.stringify(good), tooLong, '{oops', ''].join('\n'));
    const warnings: Record<string, unknown>[] = [];

    const popular = await readPopularShows(aws.bucket, prefix, {
      s3: aws.s3,
      logger: { warn: (_message: string, fields?: Record<string, unknown>) => warnings.push(fields ?? {}) },
    });

    expect(popular.shows.map((show) => show.showId)).toEqual(['s1']);
    expect(popular.skippedRows).toBe(2);
    expect(warnings.map((w) => [w.line, w.reason])).toEqual([
      [2, 'too-long'],
      [3, 'invalid'],
    ]);
  });

  it('is idempotent: publishing the live run again keeps it live', async () => {
    // Prepare: the run is already live (a Publish retried after it succeeded once).
    const event = await preparePublishedRun(OLDER_RUN, 0.3, [{ written: 10, skipped: 0, retried: 0 }]);
    await publishRun(event, deps());
    const first = await get(runRecordKey(OLDER_RUN));

    // Act
    const again = await publishRun(event, deps());

    // Assess
    expect(again).toEqual({ published: true, liveRunId: OLDER_RUN, written: 10, skipped: 0, retried: 0 });
    expect(await get(LIVE_KEY)).toMatchObject({ liveRunId: OLDER_RUN, ndcg: 0.3 });
    expect(await get(runRecordKey(OLDER_RUN))).toEqual(first);
    // A rerun of the live run is not a move: no run "before" it is invented (#18's previous-model control).
    expect((await get(LIVE_KEY))?.previousLiveRunId).toBeUndefined();
  });

  it('moves the pointer only forward: a late older run is recorded as superseded', async () => {
    // Prepare: the older run is live, the newer run publishes, then the older run publishes again late (redriven).
    const newer = await preparePublishedRun(NEWER_RUN, 0.35, [{ written: 10, skipped: 0, retried: 0 }]);
    const older = await preparePublishedRun(OLDER_RUN, 0.3, [{ written: 10, skipped: 0, retried: 0 }]);
    await publishRun(older, deps());
    await publishRun(newer, deps());

    // Act
    const late = await publishRun(older, deps());

    // Assess
    expect(late).toMatchObject({ published: false, liveRunId: NEWER_RUN });
    // The newer run moved past the older live run and keeps it as the previous one; the late run changed nothing.
    expect(await get(LIVE_KEY)).toMatchObject({ liveRunId: NEWER_RUN, ndcg: 0.35, previousLiveRunId: OLDER_RUN });
    expect(await get(runRecordKey(OLDER_RUN))).toMatchObject({ status: 'SUPERSEDED', supersededBy: NEWER_RUN });
  });

  it('gates on the live model read from the #live pointer', async () => {
    // Prepare: the live run (NEWER_RUN) has ndcg 0.35; with a 20% allowed drop the bar is 0.28.
    await publishRun(await preparePublishedRun(NEWER_RUN, 0.35, [{ written: 10, skipped: 0, retried: 0 }]), deps());
    const thresholds = { dynamo: aws.doc, tableName, minLift: 0.1, maxDrop: 0.2 };
    const metrics = (ndcg: number) => [
      { MetricName: METRIC_NAMES.ndcg, Value: ndcg },
      { MetricName: METRIC_NAMES.recall, Value: 0.2 },
      { MetricName: METRIC_NAMES.popularityNdcg, Value: 0.1 },
    ];

    const weak = await qualityGate({ runId: '20240503T020000Z-daily', metrics: metrics(0.27) }, thresholds);
    const fine = await qualityGate({ runId: '20240503T020000Z-daily', metrics: metrics(0.29) }, thresholds);

    expect(weak).toMatchObject({ passed: false, liveNdcg: 0.35 });
    expect(fine).toMatchObject({ passed: true, liveNdcg: 0.35 });
  });

  it('records a failure without touching the live pointer, with or without a run', async () => {
    // Prepare: NEWER_RUN is published and live.
    await publishRun(await preparePublishedRun(NEWER_RUN, 0.35, [{ written: 10, skipped: 0, retried: 0 }]), deps());
    const live = await get(LIVE_KEY);
    const failing = '20240504T020000Z-daily';
    const error = { Error: 'States.TaskFailed', Cause: 'x'.repeat(10_000) };
    const failureDeps = { dynamo: aws.doc, tableName, now: () => NOW };

    // Act
    await recordFailure({ executionName: 'daily', state: { run: { runId: failing }, error } }, failureDeps);
    await recordFailure({ executionName: 'bad name!', state: { error } }, failureDeps);
    await recordFailure({ executionName: 'daily', state: { run: { runId: NEWER_RUN }, error } }, failureDeps);

    // Assess
    const record = await get(runRecordKey(failing));
    expect(record).toMatchObject({ status: 'FAILED', published: false, error: { Error: 'States.TaskFailed' } });
    expect(record?.error.Cause).toHaveLength(4_000);
    expect(await get(runRecordKey('unprepared-bad-name-'))).toMatchObject({ status: 'FAILED' });
    expect(await get(runRecordKey(NEWER_RUN))).toMatchObject({
      status: 'PUBLISHED',
      lastError: { Error: 'States.TaskFailed' },
    });
    expect(await get(LIVE_KEY)).toEqual(live);
  });

  it('records a failure whose data-quality counts cannot be read, and says why they are missing', async () => {
    const runId = '20240507T020000Z-dq-unreadable';
    const prefix = `runs/${runId}/data-quality/`;
    await aws.putText(`${prefix}0000_part_00.json`, '{"kind": "nullIds", "row_count": "many"}\n{not json');
    const unreadable: unknown[] = [];

    await recordFailure(
      { executionName: 'daily', state: { run: { runId, bucket: aws.bucket, prefixes: { dataQuality: prefix } } } },
      {
        dynamo: aws.doc,
        s3: aws.s3,
        tableName,
        now: () => NOW,
        onBadRowsUnreadable: (e) => unreadable.push(e),
      },
    );

    const record = await get(runRecordKey(runId));
    expect(record).toMatchObject({ status: 'FAILED' });
    expect(record?.badRows).toBeUndefined();
    expect(unreadable).toHaveLength(1);
  });
});
