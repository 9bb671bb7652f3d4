import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { RecsError } from './errors.js';

/**
 * The data-quality UNLOAD (`sql/unload_data_quality.sql`, `runs/<runId>/data-quality/`): one JSON line per kind
 * of bad warehouse row, `{"kind", "row_count"}`. Publish and RecordFailure copy it into the run record as
 * `badRows: {kind: count}` (issue #7).
 */

export type BadRows = Record<string, number>;

const Row = z.object({ kind: z.string().regex(/^[A-Za-z]{1,64}$/), row_count: z.coerce.number().int().nonnegative() });

/** `badRows` of a run, or undefined when the UNLOAD has not written the prefix (the run failed before it). */
export async function readBadRows(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  prefix: string,
): Promise<BadRows | undefined> {
  try {
    const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (listing.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
    if (keys.length === 0) return undefined;
    const counts: BadRows = {};
    for (const key of keys.sort()) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const text = (await out.Body?.transformToString('utf-8')) ?? '';
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        const row = Row.parse(JSON.parse(line));
        counts[row.kind] = (counts[row.kind] ?? 0) + row.row_count;
      }
    }
    return counts;
  } catch (error) {
    throw new RecsError(
      `cannot read the data-quality counts under s3://${bucket}/${prefix}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
