import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { readBadRows } from '../_shared/data-quality.js';
import {
  LIVE_KEY,
  LivePointer,
  type PopularShow,
  popularKey,
  type RunStatus,
  runRecordKey,
  ttlEpochSeconds,
} from '../_shared/dynamo-table.js';
import { InvalidInputError, RecsError } from '../_shared/errors.js';
import { RunId } from '../_shared/run-layout.js';
import { readLines } from '../write-recs/lines.js';

/**
 * Publish: only reached when WriteTopTen succeeded within its tolerated failure percentage. Sums the
 * Map's batch results, writes the popular-shows fallback and the run record, and moves the `#live`
 * pointer forward. Every write is keyed by run id, so a rerun (Lambda retry, redrive) rewrites the same
 * items; the pointer moves with `liveRunId <= :runId`, so a rerun of the live run succeeds again and an
 * older run never moves it back.
 */

export const PublishRunEvent = z.object({
  run: z.looseObject({
    runId: RunId,
    bucket: z.string().min(3),
    asOf: z.string().optional(),
    prefixes: z.looseObject({ popular: z.string().min(1), dataQuality: z.string().min(1).optional() }),
  }),
  training: z.looseObject({ jobName: z.string().optional() }),
  quality: z.looseObject({
    passed: z.boolean(),
    ndcg: z.number(),
    recall: z.number().optional(),
    popularityNdcg: z.number().optional(),
    liveNdcg: z.number().nullable().optional(),
  }),
  model: z.looseObject({ name: z.string().min(1) }),
  fanout: z.looseObject({ ResultWriterDetails: z.object({ Bucket: z.string().min(3), Key: z.string().min(1) }) }),
});
export type PublishRunEvent = z.infer<typeof PublishRunEvent>;

export interface PublishResult {
  published: boolean;
  liveRunId: string;
  written: number;
  skipped: number;
  retried: number;
}

export interface PublishRunDeps {
  s3: Pick<S3Client, 'send'>;
  dynamo: Pick<DynamoDBDocumentClient, 'send'>;
  tableName: string;
  ttlDays: number;
  now: () => number;
  logger: { warn(message: string, fields: Record<string, unknown>): void };
}

/** The Distributed Map ResultWriter manifest (AWS: `manifest.json` next to the result files). */
const Manifest = z.looseObject({
  ResultFiles: z.looseObject({
    SUCCEEDED: z.array(z.looseObject({ Key: z.string() })).default([]),
    FAILED: z.array(z.looseObject({ Key: z.string() })).default([]),
    PENDING: z.array(z.looseObject({ Key: z.string() })).default([]),
  }),
});
const ChildResult = z.looseObject({
  ExecutionArn: z.string().optional(),
  Name: z.string().optional(),
  Output: z.string().optional(),
});
const BatchCounts = z.object({
  written: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  retried: z.number().int().nonnegative(),
  objects: z.number().int().nonnegative().default(0),
});

/** `s3 → JSON` for the small manifest and result files (a result entry is ~1 KB per batch). */
async function getJson(s3: PublishRunDeps['s3'], bucket: string, key: string): Promise<unknown> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse((await out.Body?.transformToString('utf-8')) ?? 'null');
  } catch (error) {
    throw new RecsError(`cannot read s3://${bucket}/${key}: ${(error as Error).message}`, { cause: error });
  }
}

export interface FanoutCounts {
  written: number;
  skipped: number;
  retried: number;
  objects: number;
  batches: number;
  failedBatches: number;
}

/** Sums `{written, skipped, retried, objects}` over the Map's succeeded children (each counted once). */
export async function sumFanoutResults(
  details: { Bucket: string; Key: string },
  s3: PublishRunDeps['s3'],
): Promise<FanoutCounts> {
  const manifest = Manifest.safeParse(await getJson(s3, details.Bucket, details.Key));
  if (!manifest.success) throw new InvalidInputError(`s3://${details.Bucket}/${details.Key} is not a Map manifest`);
  const totals: FanoutCounts = { written: 0, skipped: 0, retried: 0, objects: 0, batches: 0, failedBatches: 0 };
  // A redriven Map run lists every child again; the execution ARN keeps a child from being counted twice.
  const seen = new Set<string>();
  for (const file of manifest.data.ResultFiles.SUCCEEDED) {
    const entries = z.array(ChildResult).parse(await getJson(s3, details.Bucket, file.Key));
    for (const entry of entries) {
      const id = entry.ExecutionArn ?? entry.Name;
      if (id !== undefined) {
        if (seen.has(id)) continue;
        seen.add(id);
      }
      const counts = BatchCounts.safeParse(JSON.parse(entry.Output ?? 'null'));
      if (!counts.success) throw new InvalidInputError(`a WriteTopTen result in ${file.Key} has no counts`);
      totals.written += counts.data.written;
      totals.skipped += counts.data.skipped;
      totals.retried += counts.data.retried;
      totals.objects += counts.data.objects;
      totals.batches++;
    }
  }
  for (const file of manifest.data.ResultFiles.FAILED) {
    const entries = z.array(ChildResult).parse(await getJson(s3, details.Bucket, file.Key));
    totals.failedBatches += entries.length;
  }
  return totals;
}

const PopularRow = z.object({
  show_id: z.string().min(1),
  title: z
    .string()
    .nullable()
    .transform((v) => v ?? ''),
  genre: z
    .string()
    .nullable()
    .transform((v) => v ?? ''),
  brand: z
    .string()
    .nullable()
    .transform((v) => v ?? ''),
  partner: z.string().min(1),
  unique_viewers: z.coerce.number().int().nonnegative(),
  rank: z.coerce.number().int().positive(),
});

/** Longest popular row read (a row is ~200 characters; anything near this is not one). */
const MAX_POPULAR_ROW_CHARS = 64 * 1024;

/**
 * The popular UNLOAD (one row per show × partner) folded into one entry per show, by rank; rows that cannot be
 * read (too long, not JSON, missing fields) are logged and counted in `skippedRows`, never silently dropped.
 */
export async function readPopularShows(
  bucket: string,
  prefix: string,
  deps: Pick<PublishRunDeps, 's3' | 'logger'>,
): Promise<{ shows: PopularShow[]; skippedRows: number }> {
  const shows = new Map<string, PopularShow>();
  let skippedRows = 0;
  let token: string | undefined;
  do {
    const page = await deps.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      const out = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
      for await (const line of readLines(out.Body as AsyncIterable<Uint8Array>, MAX_POPULAR_ROW_CHARS)) {
        if (line.isTooLong) {
          skippedRows++;
          deps.logger.warn('popular row skipped', { key: object.Key, line: line.lineNumber, reason: 'too-long' });
          continue;
        }
        if (line.text.trim() === '') continue;
        let row: z.infer<typeof PopularRow>;
        try {
          row = PopularRow.parse(JSON.parse(line.text));
        } catch {
          skippedRows++;
          deps.logger.warn('popular row skipped', { key: object.Key, line: line.lineNumber, reason: 'invalid' });
          continue;
        }
        const show = shows.get(row.show_id) ?? {
          showId: row.show_id,
          title: row.title,
          genre: row.genre,
          brand: row.brand,
          partners: [],
          rank: row.rank,
          uniqueViewers: row.unique_viewers,
        };
        if (!show.partners.includes(row.partner)) show.partners.push(row.partner);
        shows.set(row.show_id, show);
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return {
    shows: [...shows.values()]
      .map((show) => ({ ...show, partners: show.partners.sort() }))
      .sort((a, b) => a.rank - b.rank || a.showId.localeCompare(b.showId)),
    skippedRows,
  };
}

/**
 * Moves `#live` to this run unless a newer run is live; returns the run that is live afterwards. Moving past an
 * older run keeps it as `previousLiveRunId` (an experiment's `previous-model` control, issue #18); the first publish
 * and a rerun of the live run leave that attribute as it was.
 */
async function moveLivePointer(
  event: PublishRunEvent,
  publishedAt: string,
  deps: PublishRunDeps,
): Promise<{ published: boolean; liveRunId: string }> {
  const runId = event.run.runId;
  const values = { ':runId': runId, ':model': event.model.name, ':ndcg': event.quality.ndcg, ':at': publishedAt };
  const moves = [
    {
      UpdateExpression:
        'SET previousLiveRunId = liveRunId, liveRunId = :runId, modelVersion = :model, ndcg = :ndcg, publishedAt = :at',
      ConditionExpression: 'liveRunId < :runId',
    },
    {
      UpdateExpression: 'SET liveRunId = :runId, modelVersion = :model, ndcg = :ndcg, publishedAt = :at',
      // `=`: a retried Publish of the live run must succeed again, not report itself superseded.
      ConditionExpression: 'attribute_not_exists(liveRunId) OR liveRunId = :runId',
    },
  ];
  for (const move of moves) {
    try {
      await deps.dynamo.send(
        new UpdateCommand({ TableName: deps.tableName, Key: LIVE_KEY, ExpressionAttributeValues: values, ...move }),
      );
      return { published: true, liveRunId: runId };
    } catch (error) {
      if (
        !(
          error instanceof ConditionalCheckFailedException ||
          (error as Error).name === 'ConditionalCheckFailedException'
        )
      ) {
        throw new RecsError(`cannot move the live pointer: ${(error as Error).message}`, { cause: error });
      }
    }
  }
  // A newer run is live: not an error, this run's lists stay unread and expire.
  const current = await deps.dynamo.send(
    new GetCommand({ TableName: deps.tableName, Key: LIVE_KEY, ConsistentRead: true }),
  );
  return { published: false, liveRunId: LivePointer.parse(current.Item).liveRunId };
}

/** `20240501T020000Z-…` → the execution start instant. */
const runStartedAt = (runId: string): string =>
  runId.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-.*$/, '$1-$2-$3T$4:$5:$6Z');

/** Publish; see the module comment. */
export async function publishRun(event: PublishRunEvent, deps: PublishRunDeps): Promise<PublishResult> {
  const { run, quality, model, training } = event;
  if (!quality.passed) throw new InvalidInputError('refusing to publish a run that failed the quality gate', 'quality');
  const nowMs = deps.now();
  const publishedAt = new Date(nowMs).toISOString();
  const counts = await sumFanoutResults(event.fanout.ResultWriterDetails, deps.s3);
  const { shows: popular, skippedRows: skippedPopularRows } = await readPopularShows(
    run.bucket,
    run.prefixes.popular,
    deps,
  );
  const badRows = run.prefixes.dataQuality
    ? await readBadRows(deps.s3, run.bucket, run.prefixes.dataQuality)
    : undefined;

  await deps.dynamo.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...popularKey(run.runId),
        recommendations: popular,
        updatedAt: publishedAt,
        ttl: ttlEpochSeconds(nowMs, deps.ttlDays),
      },
    }),
  );
  // The pointer moves after the fallback list exists, so a reader following it always finds one.
  const pointer = await moveLivePointer(event, publishedAt, deps);
  const status: RunStatus = pointer.published ? 'PUBLISHED' : 'SUPERSEDED';
  const startedAt = runStartedAt(run.runId);
  await deps.dynamo.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...runRecordKey(run.runId),
        status,
        published: pointer.published,
        liveRunId: pointer.liveRunId,
        ...(pointer.published ? {} : { supersededBy: pointer.liveRunId }),
        modelVersion: model.name,
        trainingJobName: training.jobName,
        asOf: run.asOf,
        counts: { ...counts, popularShows: popular.length, skippedPopularRows },
        ...(badRows ? { badRows } : {}),
        metrics: {
          ndcg: quality.ndcg,
          recall: quality.recall,
          popularityNdcg: quality.popularityNdcg,
          liveNdcg: quality.liveNdcg ?? null,
        },
        timings: { startedAt, publishedAt, durationSeconds: Math.round((nowMs - Date.parse(startedAt)) / 1000) },
        updatedAt: publishedAt,
      },
    }),
  );
  return {
    published: pointer.published,
    liveRunId: pointer.liveRunId,
    written: counts.written,
    skipped: counts.skipped,
    retried: counts.retried,
  };
}
