import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThrottledError } from '../../functions/_shared/errors.js';
import { type WriteRecsDeps, type WriteRecsEvent, writeRecs } from '../../functions/write-recs/write-recs.js';
import { makeRng } from '../../local/rng.js';
import { type AwsStandIns, startAwsStandIns } from '../support/aws-standins.js';
import { flakyDynamo } from '../support/flaky-dynamo.js';
import { makeTopTen, transformLine, transformObject, viewerIdOf } from '../support/transform-output.js';

const OLDER_RUN = '20240501T020000Z-daily';
const NEWER_RUN = '20240502T020000Z-daily';
const NOW = Date.parse('2024-05-02T03:00:00Z');

let aws: AwsStandIns;
beforeAll(async () => {
  aws = await startAwsStandIns();
});
afterAll(async () => {
  await aws?.stop();
});

function capturingLogger() {
  const warnings: Record<string, unknown>[] = [];
  return {
    warnings,
    logger: { warn: (_: string, fields: Record<string, unknown>) => warnings.push(fields), info: () => {} },
  };
}

function deps(overrides: Partial<WriteRecsDeps> = {}): WriteRecsDeps {
  return {
    s3: aws.s3,
    dynamo: aws.dynamo,
    tableName: aws.tableName,
    ttlDays: 30,
    concurrency: 4,
    deadlineMs: Number.POSITIVE_INFINITY,
    now: () => NOW,
    // Backoff is the batch writer's concern (batch-writer.test.ts); here it costs no wall-clock time.
    sleep: async () => {},
    random: makeRng(7),
    baseDelayMs: 1,
    maxDelayMs: 20,
    logger: capturingLogger().logger,
    ...overrides,
  };
}

const batch = (runId: string, keys: string[], modelVersion = `model-${runId}`): WriteRecsEvent => ({
  Items: keys.map((Key) => ({ Key, Size: 1 })),
  BatchInput: { bucket: aws.bucket, runId, modelVersion },
});

async function rowsOf(runId: string) {
  const out = await aws.doc.send(new ScanCommand({ TableName: aws.tableName, ConsistentRead: true }));
  return (out.Items ?? []).filter((item) => item.runId === runId);
}

describe('writeRecs against the local stand-ins', () => {
  it('writes every viewer exactly once in effect under injected unprocessed items and throttling', async () => {
    // Prepare: 3 objects, 420 viewers; 30% of items come back unprocessed, 15% of calls are throttled.
    const runId = '20240503T020000Z-flaky';
    const keys = [0, 1, 2].map((i) => `runs/${runId}/recommendations/part-${i}.json.out`);
    await aws.putText(keys[0] ?? '', transformObject(0, 150));
    await aws.putText(keys[1] ?? '', transformObject(150, 300));
    await aws.putText(keys[2] ?? '', transformObject(300, 420));
    const flaky = flakyDynamo(aws.dynamo, { unprocessedShare: 0.3, throttleShare: 0.15, random: makeRng(42) });

    // Act
    const result = await writeRecs(batch(runId, keys), deps({ dynamo: flaky }));

    // Assess
    expect(result).toMatchObject({ written: 420, skipped: 0, objects: 3 });
    expect(flaky.stats.unprocessed).toBeGreaterThan(0);
    expect(flaky.stats.throttled).toBeGreaterThan(0);
    expect(result.retried).toBeGreaterThanOrEqual(flaky.stats.unprocessed);
    const rows = await rowsOf(runId);
    expect(rows).toHaveLength(420);
    expect(new Set(rows.map((row) => row.viewerId)).size).toBe(420);
    const sample = rows.find((row) => row.viewerId === viewerIdOf(123));
    expect(sample?.recommendations).toEqual(makeTopTen(viewerIdOf(123)).map((rec, i) => ({ ...rec, rank: i + 1 })));
    expect(sample).toMatchObject({ modelVersion: `model-${runId}`, updatedAt: '2024-05-02T03:00:00.000Z' });
    expect(sample?.ttl).toBe(Math.floor(NOW / 1000) + 30 * 86_400);
  });

  it('rewrites the same rows when a batch runs twice', async () => {
    const runId = '20240504T020000Z-rerun';
    const key = `runs/${runId}/recommendations/part-0.out`;
    await aws.putText(key, transformObject(0, 60));

    const first = await writeRecs(batch(runId, [key]), deps());
    const second = await writeRecs(batch(runId, [key]), deps());

    expect(first.written).toBe(60);
    expect(second.written).toBe(60);
    expect(await rowsOf(runId)).toHaveLength(60);
  });

  it('never replaces a newer run’s list when an older run writes late', async () => {
    // Prepare: the newer run has written its lists; the older run is redriven afterwards.
    const newerKey = `runs/${NEWER_RUN}/recommendations/part-0.out`;
    const olderKey = `runs/${OLDER_RUN}/recommendations/part-0.out`;
    await aws.putText(newerKey, transformObject(0, 30, 2));
    await aws.putText(olderKey, transformObject(0, 30, 1));
    await writeRecs(batch(NEWER_RUN, [newerKey]), deps());

    // Act
    await writeRecs(batch(OLDER_RUN, [olderKey]), deps());

    // Assess: each run owns its row; the newer run's list is untouched.
    const newer = await aws.doc.send(
      new GetCommand({ TableName: aws.tableName, Key: { viewerId: viewerIdOf(5), runId: NEWER_RUN } }),
    );
    expect(newer.Item?.modelVersion).toBe(`model-${NEWER_RUN}`);
    expect(newer.Item?.recommendations[0].showId).toBe(makeTopTen(viewerIdOf(5), 2)[0]?.showId);
    const both = await aws.doc.send(
      new QueryCommand({
        TableName: aws.tableName,
        KeyConditionExpression: 'viewerId = :v',
        ExpressionAttributeValues: { ':v': viewerIdOf(5) },
      }),
    );
    expect(both.Items?.map((item) => item.runId)).toEqual(expect.arrayContaining([OLDER_RUN, NEWER_RUN]));
  });

  it('skips and counts malformed lines, logging each with its line number', async () => {
    // Prepare
    const runId = '20240505T020000Z-bad-lines';
    const key = `runs/${runId}/recommendations/part-0.out`;
    const lines = [
      transformLine(viewerIdOf(1)),
      '{not json',
      JSON.stringify({ line: 3, error: { code: 'unknown_viewer', message: 'no such viewer' } }),
      JSON.stringify({ viewerId: '#live', recommendations: makeTopTen('x') }),
      JSON.stringify({ viewerId: viewerIdOf(2), recommendations: [] }),
      '',
      transformLine(viewerIdOf(3)),
      JSON.stringify({ viewerId: viewerIdOf(4), recommendations: makeTopTen('y', 0, 11) }),
      transformLine(viewerIdOf(3)),
    ];
    await aws.putText(key, lines.join('\r\n'));
    const { logger, warnings } = capturingLogger();

    // Act
    const result = await writeRecs(batch(runId, [key]), deps({ logger }));

    // Assess: blank line 6 is not an error; line 9 repeats a viewer already queued.
    expect(result).toEqual({ written: 2, skipped: 6, retried: 0, objects: 1 });
    expect(warnings.map((w) => [w.line, w.reason])).toEqual([
      [2, 'not-json'],
      [3, 'container-error'],
      [4, 'invalid'],
      [5, 'invalid'],
      [8, 'invalid'],
      [9, 'duplicate-viewer'],
    ]);
    expect((await rowsOf(runId)).map((row) => row.viewerId).sort()).toEqual([viewerIdOf(1), viewerIdOf(3)]);
  });

  it('reads only transform outputs (*.out), as the report does, and logs any other object it was handed', async () => {
    const runId = '20240505T030000Z-other-objects';
    const output = `runs/${runId}/recommendations/part-0.out`;
    const marker = `runs/${runId}/recommendations/_SUCCESS`;
    await aws.putText(output, transformLine(viewerIdOf(1)));
    await aws.putText(marker, transformLine(viewerIdOf(2)));
    const { logger, warnings } = capturingLogger();

    const result = await writeRecs(batch(runId, [output, marker]), deps({ logger }));

    expect(result).toMatchObject({ written: 1, skipped: 0 });
    expect(warnings).toEqual([{ key: marker }]);
    expect((await rowsOf(runId)).map((row) => row.viewerId)).toEqual([viewerIdOf(1)]);
  });

  it('fails loudly with ThrottledError when the time budget runs out', async () => {
    const runId = '20240506T020000Z-budget';
    const key = `runs/${runId}/recommendations/part-0.out`;
    await aws.putText(key, transformObject(0, 50));
    const alwaysThrottled = flakyDynamo(aws.dynamo, { unprocessedShare: 0, throttleShare: 1, random: makeRng(1) });
    let clock = NOW;

    const write = writeRecs(
      batch(runId, [key]),
      deps({
        dynamo: alwaysThrottled,
        deadlineMs: NOW + 1_000,
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
      }),
    );

    await expect(write).rejects.toBeInstanceOf(ThrottledError);
  });

  it('fails with WriteRecsError naming the batch size when reading outlasts the budget', async () => {
    const runId = '20240506T030000Z-too-big';
    const key = `runs/${runId}/recommendations/part-0.out`;
    await aws.putText(key, transformObject(0, 1_200));

    const write = writeRecs(batch(runId, [key]), deps({ deadlineMs: NOW - 1 }));

    await expect(write).rejects.toThrow(/MaxItemsPerBatch/);
  });

  it('refuses objects outside the run’s recommendations prefix', async () => {
    await expect(writeRecs(batch(OLDER_RUN, ['runs/other/recommendations/x.out']), deps())).rejects.toThrow(
      /not under runs\//,
    );
  });

  it('streams: reads an object only as far as the line being handled (bounded lookahead)', async () => {
    // Prepare: 40k container-error lines of ~600 bytes, 24 MB; skipped lines make the test about reading.
    const runId = '20240507T020000Z-stream';
    const key = `runs/${runId}/recommendations/big.out`;
    const pad = 'x'.repeat(560);
    const lines: string[] = [];
    for (let i = 1; i <= 40_000; i++) lines.push(JSON.stringify({ line: i, error: { code: 'e', message: pad } }));
    lines.push(transformLine(viewerIdOf(9)));
    const text = `${lines.join('\n')}\n`;
    await aws.putText(key, text);
    const lineEnds: number[] = [];
    let offset = 0;
    for (const line of lines) {
      offset += Buffer.byteLength(line) + 1;
      lineEnds.push(offset);
    }
    let bytesPulled = 0;
    let maxLookaheadBytes = 0;
    const countingS3: WriteRecsDeps['s3'] = {
      send: async (command) => {
        const out = await aws.s3.send(command);
        const body = out.Body as AsyncIterable<Uint8Array>;
        async function* counted() {
          for await (const chunk of body) {
            bytesPulled += chunk.byteLength;
            yield chunk;
          }
        }
        return { ...out, Body: counted() as unknown as typeof out.Body };
      },
    };
    const logger = {
      info: () => {},
      warn: (_: string, fields: Record<string, unknown>) => {
        const end = lineEnds[(fields.line as number) - 1] ?? 0;
        maxLookaheadBytes = Math.max(maxLookaheadBytes, bytesPulled - end);
      },
    };

    // Act
    const result = await writeRecs(
      batch(runId, [key]),
      deps({ s3: countingS3, logger, maxLoggedSkips: Number.POSITIVE_INFINITY }),
    );

    // Assess: the whole object was read, but never more than ~one socket chunk ahead of the current line.
    expect(result).toMatchObject({ written: 1, skipped: 40_000 });
    expect(bytesPulled).toBe(Buffer.byteLength(text));
    expect(text.length).toBeGreaterThan(20e6);
    expect(maxLookaheadBytes).toBeLessThan(1024 * 1024);
  });
});
