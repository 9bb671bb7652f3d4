import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { InvalidInputError, RecsError } from '../_shared/errors.js';
import { isRunId, isTransformOutputKey, runPrefixes } from '../_shared/run-layout.js';
import { readLines } from '../write-recs/lines.js';
import { parseTransformLine } from '../write-recs/transform-line.js';

/**
 * Flattens a run's batch-transform output (`runs/<runId>/recommendations/*.out`) into the rows of
 * `recommendation_exposures` (sql/schema_report.sql), as JSON Lines that Redshift `COPY … FORMAT JSON 'auto'`
 * loads, and renders that load (issue #8). Both sides stream: one transform line and one upload part in memory.
 */

/** One exposure row; the keys are the table's column names, as COPY's JSON 'auto' matches them. */
export interface ExposureRow {
  run_id: string;
  viewer_id: string;
  show_id: string;
  rank: number;
  recommended_at: string;
}

export interface ExposureFileStats {
  /** Object written, `runs/<runId>/exposures/part-0000.jsonl`. */
  key: string;
  objects: number;
  viewers: number;
  rows: number;
  /** Transform output lines not loaded: container errors, invalid or unparsable lines (blank lines not counted). */
  skippedLines: number;
}

export class ExposuresError extends RecsError {
  override name = 'ExposuresError';
}

/** S3 needs ≥ 5 MiB for every part but the last; 8 MiB keeps memory flat and the part count low. */
export const EXPOSURE_PART_BYTES = 8 * 1024 * 1024;
const MAX_LINE_CHARS = 256 * 1024;

/** `YYYY-MM-DD HH:MM:SS` (UTC), the TIMESTAMP text COPY reads without a TIMEFORMAT. */
export const sqlTimestamp = (date: Date): string => {
  if (Number.isNaN(date.getTime())) throw new InvalidInputError('recommended_at is not a valid time', 'asOf');
  return date.toISOString().slice(0, 19).replace('T', ' ');
};

/** The exposure rows of one transform output line's list: rank is the 1-based position in the list. */
export function exposureRows(
  viewerId: string,
  showIds: readonly string[],
  runId: string,
  recommendedAt: string,
): ExposureRow[] {
  return showIds.map((showId, index) => ({
    run_id: runId,
    viewer_id: viewerId,
    show_id: showId,
    rank: index + 1,
    recommended_at: recommendedAt,
  }));
}

/** Bytes in, S3 multipart parts out; a single small file becomes one plain PutObject. */
class StreamedObject {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private uploadId: string | undefined;
  private readonly parts: { ETag: string; PartNumber: number }[] = [];

  constructor(
    private readonly s3: Pick<S3Client, 'send'>,
    private readonly bucket: string,
    private readonly key: string,
    private readonly partBytes: number,
  ) {}

  async write(text: string): Promise<void> {
    const chunk = Buffer.from(text, 'utf8');
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    if (this.bufferedBytes >= this.partBytes) await this.flushPart();
  }

  async close(): Promise<void> {
    if (this.uploadId === undefined) {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: Buffer.concat(this.chunks),
          ContentType: 'application/x-ndjson',
        }),
      );
      this.chunks = [];
      return;
    }
    if (this.bufferedBytes > 0) await this.flushPart();
    await this.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: this.parts },
      }),
    );
  }

  /** Drops an unfinished upload so its parts are not billed (the bucket's lifecycle rule is the backstop). */
  async abort(): Promise<void> {
    if (this.uploadId === undefined) return;
    await this.s3
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }))
      .catch(() => undefined);
  }

  private async flushPart(): Promise<void> {
    if (this.uploadId === undefined) {
      const created = await this.s3.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: 'application/x-ndjson' }),
      );
      if (!created.UploadId) throw new ExposuresError(`no upload id for s3://${this.bucket}/${this.key}`);
      this.uploadId = created.UploadId;
    }
    const partNumber = this.parts.length + 1;
    const body = Buffer.concat(this.chunks);
    this.chunks = [];
    this.bufferedBytes = 0;
    const uploaded = await this.s3.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        PartNumber: partNumber,
        Body: body,
      }),
    );
    this.parts.push({ ETag: uploaded.ETag ?? '', PartNumber: partNumber });
  }
}

async function listKeys(s3: Pick<S3Client, 'send'>, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export interface ExposureFileInput {
  bucket: string;
  runId: string;
  /** `runs/<runId>/recommendations/`: every `.out` object under it is read. */
  recommendationsPrefix: string;
  /** `runs/<runId>/exposures/`: the COPY source; `part-0000.jsonl` is written there (overwritten on a rerun). */
  exposuresPrefix: string;
  recommendedAt: Date;
}

/** Streams the run's transform output into `<exposuresPrefix>part-0000.jsonl`, one exposure row per line. */
export async function writeExposuresFile(
  s3: Pick<S3Client, 'send'>,
  input: ExposureFileInput,
  options: { partBytes?: number } = {},
): Promise<ExposureFileStats> {
  const recommendedAt = sqlTimestamp(input.recommendedAt);
  const key = `${input.exposuresPrefix}part-0000.jsonl`;
  const stats: ExposureFileStats = { key, objects: 0, viewers: 0, rows: 0, skippedLines: 0 };
  const out = new StreamedObject(s3, input.bucket, key, options.partBytes ?? EXPOSURE_PART_BYTES);
  try {
    const keys = (await listKeys(s3, input.bucket, input.recommendationsPrefix)).filter((key) =>
      isTransformOutputKey(input.runId, key),
    );
    for (const objectKey of keys) {
      stats.objects++;
      const object = await s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: objectKey }));
      if (!object.Body) continue;
      for await (const line of readLines(object.Body as AsyncIterable<Uint8Array>, MAX_LINE_CHARS)) {
        if (line.isTooLong) {
          stats.skippedLines++;
          continue;
        }
        const parsed = parseTransformLine(line.text);
        if (parsed.kind === 'skip') {
          if (parsed.reason !== 'blank') stats.skippedLines++;
          continue;
        }
        const { viewerId, recommendations } = parsed.value;
        const rows = exposureRows(
          viewerId,
          recommendations.map((r) => r.showId),
          input.runId,
          recommendedAt,
        );
        await out.write(rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
        stats.viewers++;
        stats.rows += rows.length;
      }
    }
    await out.close();
  } catch (error) {
    await out.abort();
    if (error instanceof RecsError) throw error;
    throw new ExposuresError(`could not write s3://${input.bucket}/${key}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return stats;
}

const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const EXPOSURE_COLUMNS = 'run_id, viewer_id, show_id, rank, recommended_at';

/**
 * The rerun-safe load as one Data API batch (one transaction): drop the run's rows, then COPY the exposures
 * prefix. Redshift-only SQL, so it is built here in one function (STYLE.md), and only generated values checked
 * against strict patterns go into the text: BatchExecuteStatement runs COPY, which takes no bind parameters.
 */
export function renderLoadExposures(target: {
  bucket: string;
  runId: string;
  exposuresPrefix: string;
  iamRoleArn: string;
}): [deleteSql: string, copySql: string] {
  const { bucket, runId, exposuresPrefix, iamRoleArn } = target;
  if (!BUCKET_PATTERN.test(bucket)) throw new InvalidInputError(`bad bucket name "${bucket}"`, 'bucket');
  if (!isRunId(runId)) throw new InvalidInputError(`bad run id "${runId}"`, 'runId');
  if (exposuresPrefix !== runPrefixes(runId).exposures) {
    throw new InvalidInputError(`bad exposures prefix "${exposuresPrefix}"`, 'exposuresPrefix');
  }
  if (!ROLE_ARN_PATTERN.test(iamRoleArn)) throw new InvalidInputError('bad IAM role ARN', 'iamRoleArn');
  return [
    `DELETE FROM recommendation_exposures\nWHERE run_id = '${runId}'`,
    `COPY recommendation_exposures (${EXPOSURE_COLUMNS})\nFROM 's3://${bucket}/${exposuresPrefix}'\n` +
      `IAM_ROLE '${iamRoleArn}'\nFORMAT JSON 'auto'`,
  ];
}
