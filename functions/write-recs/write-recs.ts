import { GetObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { ttlEpochSeconds } from '../_shared/dynamo-table.js';
import { InvalidInputError, RecsError } from '../_shared/errors.js';
import { isTransformOutputKey, RunId, runPrefixes } from '../_shared/run-layout.js';
import { BatchWriter, type BatchWriterDeps } from './batch-writer.js';
import { WriteRecsError } from './errors.js';
import { prefetch, readLines } from './lines.js';
import { parseTransformLine, toViewerListItem } from './transform-line.js';

/**
 * WriteTopTen's child: one Distributed Map batch of batch-transform output objects → DynamoDB rows.
 *
 * Why no older run can overwrite a newer one, at BatchWriteItem speed: BatchWriteItem has no condition
 * expressions, and a conditional PutItem per viewer costs a round trip each. Instead the table key is
 * (viewerId, runId), so every run writes its *own* row for a viewer and never touches another run's.
 * Readers first read the `#live` pointer, which Publish moves only forward (a conditional update on the
 * run id, which sorts by start time), then the row of that run. A late or redriven older run therefore
 * writes rows nobody reads, and a rerun of the same batch rewrites identical keys: exactly once in effect.
 * Rows of superseded runs expire through `ttl`.
 */

/** S3 read-ahead per object: a few hundred lines, enough to hide S3 latency behind DynamoDB's. */
const PREFETCH_BYTES = 512 * 1024;

export const WriteRecsEvent = z.object({
  Items: z.array(z.looseObject({ Key: z.string().min(1), Size: z.number().int().nonnegative().optional() })).min(1),
  BatchInput: z.object({ bucket: z.string().min(3), runId: RunId, modelVersion: z.string().min(1).max(256) }),
});
export type WriteRecsEvent = z.infer<typeof WriteRecsEvent>;

export interface WriteRecsResult {
  written: number;
  skipped: number;
  retried: number;
  objects: number;
}

export interface S3GetClient {
  send(command: GetObjectCommand): Promise<GetObjectCommandOutput>;
}

export interface WriteRecsLogger {
  warn(message: string, fields: Record<string, unknown>): void;
  info(message: string, fields: Record<string, unknown>): void;
}

export interface WriteRecsDeps extends Omit<BatchWriterDeps, 'tableName'> {
  s3: S3GetClient;
  tableName: string;
  ttlDays: number;
  logger: WriteRecsLogger;
  /** Longest accepted line (characters); a top-10 line is ~2 KB. */
  maxLineChars?: number;
  /** Skipped lines logged one by one before only the total is reported. */
  maxLoggedSkips?: number;
}

/** Streams each object of the batch line by line and writes the valid lists; see the module comment. */
export async function writeRecs(event: WriteRecsEvent, deps: WriteRecsDeps): Promise<WriteRecsResult> {
  const { bucket, runId, modelVersion } = event.BatchInput;
  const recommendationsPrefix = runPrefixes(runId).recommendations;
  for (const { Key } of event.Items) {
    if (!Key.startsWith(recommendationsPrefix)) {
      throw new InvalidInputError(`object ${Key} is not under ${recommendationsPrefix}`, 'Items.Key');
    }
  }
  const nowMs = deps.now();
  const row = {
    runId,
    modelVersion,
    updatedAt: new Date(nowMs).toISOString(),
    ttl: ttlEpochSeconds(nowMs, deps.ttlDays),
  };
  const writer = new BatchWriter(deps);
  const maxLineChars = deps.maxLineChars ?? 256 * 1024;
  const maxLoggedSkips = deps.maxLoggedSkips ?? 50;
  let skipped = 0;

  const skip = (key: string, lineNumber: number, reason: string, detail?: string) => {
    skipped++;
    if (skipped <= maxLoggedSkips)
      deps.logger.warn('transform line skipped', { key, line: lineNumber, reason, detail });
  };

  for (const { Key } of event.Items) {
    if (!isTransformOutputKey(runId, Key)) {
      // The Map lists the whole prefix; anything else there (a marker, a manifest) is not a list of viewers.
      deps.logger.warn('object skipped: not a transform output', { key: Key });
      continue;
    }
    let body: AsyncIterable<Uint8Array>;
    try {
      const object = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      body = object.Body as AsyncIterable<Uint8Array>;
    } catch (error) {
      throw new WriteRecsError(`cannot read s3://${bucket}/${Key}: ${(error as Error).message}`, { cause: error });
    }
    if (!body) continue;
    try {
      for await (const line of readLines(prefetch(body, PREFETCH_BYTES), maxLineChars)) {
        if (line.isTooLong) {
          skip(Key, line.lineNumber, 'too-long');
          continue;
        }
        // Reading past the budget means the batch is too big for one invocation (throttling would have
        // failed in the writer's backoff first): fail with a reason that names the knob, not a timeout.
        if (line.lineNumber % 1000 === 0 && deps.now() >= deps.deadlineMs) {
          throw new WriteRecsError(
            `time budget spent at line ${line.lineNumber} of ${Key}; lower the Map's MaxItemsPerBatch or raise the timeout`,
          );
        }
        const parsed = parseTransformLine(line.text);
        if (parsed.kind === 'skip') {
          if (parsed.reason !== 'blank') skip(Key, line.lineNumber, parsed.reason, parsed.detail);
          continue;
        }
        const isNew = await writer.put(parsed.value.viewerId, toViewerListItem(parsed.value, row));
        if (!isNew) skip(Key, line.lineNumber, 'duplicate-viewer');
      }
    } catch (error) {
      if (error instanceof RecsError) throw error; // ThrottledError / WriteRecsError from the writer
      throw new WriteRecsError(`reading s3://${bucket}/${Key} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  const stats = await writer.flush();
  if (skipped > maxLoggedSkips)
    deps.logger.warn('more transform lines skipped', { unlogged: skipped - maxLoggedSkips });
  const result = { written: stats.written, skipped, retried: stats.retried, objects: event.Items.length };
  deps.logger.info('batch written', { ...result, requests: stats.requests });
  return result;
}
