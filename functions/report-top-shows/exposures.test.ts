import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { renderLoadExposures, writeExposuresFile } from './exposures.js';

const RUN_ID = '20250301T050000Z-nightly';
const ROLE = 'arn:aws:iam::123456789012:role/show-recs-RedshiftUnloadRole';

/** An in-memory bucket answering the S3 commands the exposures writer sends (multipart parts joined on complete). */
function memoryS3(objects: Record<string, string>) {
  const uploads = new Map<string, Buffer[]>();
  const calls: string[] = [];
  const send = async (command: unknown): Promise<unknown> => {
    calls.push((command as object).constructor.name);
    if (command instanceof ListObjectsV2Command) {
      const prefix = command.input.Prefix ?? '';
      return {
        Contents: Object.keys(objects)
          .filter((k) => k.startsWith(prefix))
          .map((Key) => ({ Key })),
      };
    }
    if (command instanceof GetObjectCommand) {
      const text = objects[command.input.Key ?? ''] ?? '';
      // Small chunks, so lines cross chunk boundaries as they do in a real body.
      const bytes = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += 7) chunks.push(bytes.subarray(at, at + 7));
      return { Body: Readable.from(chunks) };
    }
    if (command instanceof PutObjectCommand) {
      objects[command.input.Key ?? ''] = Buffer.from(command.input.Body as Buffer).toString();
      return {};
    }
    if (command instanceof CreateMultipartUploadCommand) {
      uploads.set('u1', []);
      return { UploadId: 'u1' };
    }
    if (command instanceof UploadPartCommand) {
      uploads.get(command.input.UploadId ?? '')?.push(Buffer.from(command.input.Body as Buffer));
      return { ETag: `"${command.input.PartNumber}"` };
    }
    if (command instanceof CompleteMultipartUploadCommand) {
      objects[command.input.Key ?? ''] = Buffer.concat(uploads.get(command.input.UploadId ?? '') ?? []).toString();
      return {};
    }
    throw new Error(`unexpected ${(command as object).constructor.name}`);
  };
  return { s3: { send } as never, objects, calls };
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
  bucket: 'recs-data',
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
  });
});
