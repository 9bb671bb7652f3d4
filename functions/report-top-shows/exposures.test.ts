import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ExposuresError, renderLoadExposures, sqlTimestamp, writeExposuresFile } from './exposures.js';

const RUN_ID = '20250301T050000Z-nightly';
const ROLE = 'arn:aws:iam::123456789012:role/show-recs-RedshiftUnloadRole';

const BUCKET = 'recs-data';

/**
 * An in-memory bucket answering the S3 commands the exposures writer sends, checking what S3 checks: the bucket, a
 * listing's prefix and pages (`pageSize` keys each), and on completion the parts by number and ETag, joined in the
 * order the request lists them. Refusals throw, as S3 does; `failGet` makes reading that key fail.
 */
function memoryS3(
  objects: Record<string, string>,
  options: { pageSize?: number; failGet?: string; noUploadId?: boolean; chunkBytes?: number } = {},
) {
  const uploads = new Map<string, Map<number, { etag: string; body: Buffer }>>();
  const calls: string[] = [];
  const contentTypes: Record<string, string | undefined> = {};
  const partSizes: number[] = [];
  const aborted: string[] = [];
  const pageSize = options.pageSize ?? 1000;
  const send = async (command: unknown): Promise<unknown> => {
    calls.push((command as object).constructor.name);
    const input = (command as { input: { Bucket?: string } }).input;
    if (input.Bucket !== BUCKET) throw new Error(`NoSuchBucket: ${input.Bucket}`);
    if (command instanceof ListObjectsV2Command) {
      const keys = Object.keys(objects)
        .filter((k) => k.startsWith(command.input.Prefix ?? ''))
        .sort();
      const start = Number(command.input.ContinuationToken ?? 0);
      const truncated = start + pageSize < keys.length;
      return {
        Contents: keys.slice(start, start + pageSize).map((Key) => ({ Key })),
        IsTruncated: truncated,
        NextContinuationToken: truncated ? String(start + pageSize) : undefined,
      };
    }
    if (command instanceof GetObjectCommand) {
      if (command.input.Key === options.failGet) throw new Error('connection reset');
      const text = objects[command.input.Key ?? ''];
      if (text === undefined) throw new Error(`NoSuchKey: ${command.input.Key}`);
      // Small chunks, so lines cross chunk boundaries as they do in a real body.
      const bytes = Buffer.from(text);
      const chunks: Buffer[] = [];
      const size = options.chunkBytes ?? 7;
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      return { Body: Readable.from(chunks) };
    }
    if (command instanceof PutObjectCommand) {
      objects[command.input.Key ?? ''] = Buffer.from(command.input.Body as Buffer).toString();
      contentTypes[command.input.Key ?? ''] = command.input.ContentType;
      return {};
    }
    if (command instanceof CreateMultipartUploadCommand) {
      if (options.noUploadId) return {};
      const id = `u${uploads.size + 1}`;
      uploads.set(id, new Map());
      contentTypes[command.input.Key ?? ''] = command.input.ContentType;
      return { UploadId: id };
    }
    if (command instanceof UploadPartCommand) {
      const parts = uploads.get(command.input.UploadId ?? '');
      const number = command.input.PartNumber ?? 0;
      if (!parts || number < 1) throw new Error('NoSuchUpload or bad part number');
      const body = Buffer.from(command.input.Body as Buffer);
      partSizes.push(body.length);
      parts.set(number, { etag: `"etag-${number}"`, body });
      return { ETag: `"etag-${number}"` };
    }
    if (command instanceof CompleteMultipartUploadCommand) {
      const parts = uploads.get(command.input.UploadId ?? '');
      const listed = command.input.MultipartUpload?.Parts ?? [];
      if (!parts || listed.length === 0) throw new Error('MalformedXML: no parts');
      const bodies = listed.map((part) => {
        const stored = parts.get(part.PartNumber ?? 0);
        if (!stored || stored.etag !== part.ETag) throw new Error(`InvalidPart: ${part.PartNumber}`);
        return stored.body;
      });
      objects[command.input.Key ?? ''] = Buffer.concat(bodies).toString();
      uploads.delete(command.input.UploadId ?? '');
      return {};
    }
    if (command instanceof AbortMultipartUploadCommand) {
      aborted.push(command.input.UploadId ?? '');
      return {};
    }
    throw new Error(`unexpected ${(command as object).constructor.name}`);
  };
  return { s3: { send } as never, objects, calls, contentTypes, partSizes, aborted };
}

const rec = (showId: string) => ({ showId, title: showId, genre: 'drama', brand: 'A', partner: 'hulu', score: 0.5 });
const transformOutput = [
  JSON.stringify({ viewerId: 'v1', recommendations: [rec('s1'), rec('s2')] }),
  '{"line":2,"error":{"code":"UnknownViewer","message":"no such viewer"}}',
  'not json at all',
  JSON.stringify({ viewerId: '#popular', recommendations: [rec('s1')] }),
  '',
  JSON.stringify({ viewerId: 'v2', recommendations: [rec('s3')] }),
].join('\n');

const input = {
  bucket: BUCKET,
  runId: RUN_ID,
  recommendationsPrefix: `runs/${RUN_ID}/recommendations/`,
  exposuresPrefix: `runs/${RUN_ID}/exposures/`,
  recommendedAt: new Date('2025-03-01T05:00:00.000Z'),
};

describe('the exposures file built from batch-transform output', () => {
  it('flattens each list into ranked rows and skips container errors and bad lines', async () => {
    // Prepare
    const { s3, objects } = memoryS3({
      [`runs/${RUN_ID}/recommendations/part-0.json.out`]: transformOutput,
      [`runs/${RUN_ID}/recommendations/_manifest`]: 'not transform output',
    });

    // Act
    const stats = await writeExposuresFile(s3, input);

    // Assess
    expect(stats).toEqual({
      key: `runs/${RUN_ID}/exposures/part-0000.jsonl`,
      objects: 1,
      viewers: 2,
      rows: 3,
      skippedLines: 3,
    });
    const lines = (objects[stats.key] ?? '')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { run_id: RUN_ID, viewer_id: 'v1', show_id: 's1', rank: 1, recommended_at: '2025-03-01 05:00:00' },
      { run_id: RUN_ID, viewer_id: 'v1', show_id: 's2', rank: 2, recommended_at: '2025-03-01 05:00:00' },
      { run_id: RUN_ID, viewer_id: 'v2', show_id: 's3', rank: 1, recommended_at: '2025-03-01 05:00:00' },
    ]);
  });

  it('uploads in parts once the buffered rows pass the part size, so memory stays flat', async () => {
    const { s3, objects, calls } = memoryS3({
      [`runs/${RUN_ID}/recommendations/a.out`]: transformOutput,
      [`runs/${RUN_ID}/recommendations/b.out`]: transformOutput,
    });

    const stats = await writeExposuresFile(s3, input, { partBytes: 200 });

    expect(stats.rows).toBe(6);
    expect(calls.filter((name) => name === 'UploadPartCommand').length).toBeGreaterThan(1);
    expect(calls).toContain('CompleteMultipartUploadCommand');
    expect(calls).not.toContain('PutObjectCommand');
    expect((objects[stats.key] ?? '').trimEnd().split('\n')).toHaveLength(6);
  });

  it('writes an empty file when the run has no transform output, so the COPY loads nothing', async () => {
    const { s3, objects } = memoryS3({});

    const stats = await writeExposuresFile(s3, input);

    expect(stats).toMatchObject({ objects: 0, rows: 0 });
    expect(objects[stats.key]).toBe('');
  });

  it('writes a small file with one PutObject as NDJSON, reading every page of the listing', async () => {
    const { s3, objects, calls, contentTypes } = memoryS3(
      {
        [`runs/${RUN_ID}/recommendations/a.out`]: JSON.stringify({ viewerId: 'v1', recommendations: [rec('s1')] }),
        [`runs/${RUN_ID}/recommendations/b.out`]: JSON.stringify({ viewerId: 'v2', recommendations: [rec('s2')] }),
        [`runs/${RUN_ID}/recommendations/c.out`]: JSON.stringify({ viewerId: 'v3', recommendations: [rec('s3')] }),
        'runs/20250302T050000Z-nightly/recommendations/a.out': transformOutput,
      },
      { pageSize: 2 },
    );

    const stats = await writeExposuresFile(s3, input);

    expect(stats).toMatchObject({ objects: 3, viewers: 3, rows: 3 });
    expect(calls.filter((name) => name !== 'ListObjectsV2Command' && name !== 'GetObjectCommand')).toEqual([
      'PutObjectCommand',
    ]);
    expect(contentTypes[stats.key]).toBe('application/x-ndjson');
    expect((objects[stats.key] ?? '').match(/"viewer_id":"v\d"/g)).toEqual([
      '"viewer_id":"v1"',
      '"viewer_id":"v2"',
      '"viewer_id":"v3"',
    ]);
  });

  it('numbers the parts from 1, completes with their ETags, and uploads no empty part', async () => {
    // Prepare: three viewers whose rows are exactly one part each, so the last write fills a part.
    const line = (viewer: string) => JSON.stringify({ viewerId: viewer, recommendations: [rec('s1')] });
    const rowBytes =
      `${JSON.stringify({ run_id: RUN_ID, viewer_id: 'v1', show_id: 's1', rank: 1, recommended_at: '2025-03-01 05:00:00' })}\n`
        .length;
    const { s3, objects, calls, partSizes, contentTypes } = memoryS3({
      [`runs/${RUN_ID}/recommendations/a.out`]: [line('v1'), line('v2'), line('v3')].join('\n'),
    });

    // Act
    const stats = await writeExposuresFile(s3, input, { partBytes: rowBytes });

    // Assess
    expect(partSizes).toEqual([rowBytes, rowBytes, rowBytes]);
    expect(calls).not.toContain('PutObjectCommand');
    expect(contentTypes[stats.key]).toBe('application/x-ndjson');
    expect(
      (objects[stats.key] ?? '')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).viewer_id),
    ).toEqual(['v1', 'v2', 'v3']);
  });

  it('counts a line too long to be a list as skipped', async () => {
    const tooLong = JSON.stringify({ viewerId: 'v9', recommendations: [rec('x'.repeat(300 * 1024))] });
    const { s3 } = memoryS3(
      { [`runs/${RUN_ID}/recommendations/a.out`]: `${tooLong}\n${transformOutput}` },
      { chunkBytes: 64 * 1024 },
    );

    const stats = await writeExposuresFile(s3, input);

    expect(stats).toMatchObject({ viewers: 2, rows: 3, skippedLines: 4 });
  });

  it('aborts a started upload and names the object when reading the output fails', async () => {
    const { s3, aborted, objects } = memoryS3(
      {
        [`runs/${RUN_ID}/recommendations/a.out`]: transformOutput,
        [`runs/${RUN_ID}/recommendations/b.out`]: transformOutput,
      },
      { failGet: `runs/${RUN_ID}/recommendations/b.out` },
    );

    const error = await writeExposuresFile(s3, input, { partBytes: 100 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ExposuresError);
    expect(error).toMatchObject({
      name: 'ExposuresError',
      message: `could not write s3://${BUCKET}/runs/${RUN_ID}/exposures/part-0000.jsonl: connection reset`,
      cause: { message: 'connection reset' },
    });
    expect(aborted).toEqual(['u1']);
    expect(objects).not.toHaveProperty(`runs/${RUN_ID}/exposures/part-0000.jsonl`);
  });

  it('sends no abort when nothing was uploaded yet', async () => {
    const { s3, calls } = memoryS3(
      { [`runs/${RUN_ID}/recommendations/a.out`]: transformOutput },
      { failGet: `runs/${RUN_ID}/recommendations/a.out` },
    );

    await expect(writeExposuresFile(s3, input)).rejects.toThrow(ExposuresError);
    expect(calls).not.toContain('AbortMultipartUploadCommand');
  });

  it('passes its own errors through unwrapped (an upload S3 gave no id)', async () => {
    const { s3 } = memoryS3({ [`runs/${RUN_ID}/recommendations/a.out`]: transformOutput }, { noUploadId: true });

    await expect(writeExposuresFile(s3, input, { partBytes: 10 })).rejects.toThrow(
      new ExposuresError(`no upload id for s3://${BUCKET}/runs/${RUN_ID}/exposures/part-0000.jsonl`),
    );
  });

  it('refuses a recommended_at that is not a time, naming the field', () => {
    expect(() => sqlTimestamp(new Date(Number.NaN))).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        field: 'asOf',
        message: 'recommended_at is not a valid time',
      }),
    );
  });
});

describe('the exposures load SQL', () => {
  it('deletes the run then copies the exposures prefix, with only checked values in the text', () => {
    const [deleteSql, copySql] = renderLoadExposures({
      bucket: 'recs-data',
      runId: RUN_ID,
      exposuresPrefix: `runs/${RUN_ID}/exposures/`,
      iamRoleArn: ROLE,
    });

    expect(deleteSql).toBe(`DELETE FROM recommendation_exposures\nWHERE run_id = '${RUN_ID}'`);
    expect(copySql).toBe(
      'COPY recommendation_exposures (run_id, viewer_id, show_id, rank, recommended_at)\n' +
        `FROM 's3://recs-data/runs/${RUN_ID}/exposures/'\nIAM_ROLE '${ROLE}'\nFORMAT JSON 'auto'`,
    );
  });

  it('refuses values that could change the statement (a quote in the run id, a foreign prefix, a bad role)', () => {
    const target = {
      bucket: 'recs-data',
      runId: RUN_ID,
      exposuresPrefix: `runs/${RUN_ID}/exposures/`,
      iamRoleArn: ROLE,
    };

    expect(() => renderLoadExposures({ ...target, runId: "20250301T050000Z-x'--" })).toThrow(/run id/);
    expect(() => renderLoadExposures({ ...target, exposuresPrefix: 'runs/other/exposures/' })).toThrow(/prefix/);
    expect(() => renderLoadExposures({ ...target, iamRoleArn: "arn' OR 1=1" })).toThrow(/role/);
    expect(() => renderLoadExposures({ ...target, bucket: 'Bad_Bucket' })).toThrow(/bucket/);
    for (const [bad, field] of [
      [{ bucket: 'Bad_Bucket' }, 'bucket'],
      [{ runId: 'x' }, 'runId'],
      [{ exposuresPrefix: 'runs/other/exposures/' }, 'exposuresPrefix'],
      [{ iamRoleArn: 'role' }, 'iamRoleArn'],
    ] as const) {
      expect(() => renderLoadExposures({ ...target, ...bad })).toThrow(expect.objectContaining({ field }));
    }
  });
});
