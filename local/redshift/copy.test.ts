import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLoadExposures } from '../../functions/report-top-shows/exposures.js';
import { makeLocalS3Client, putObject } from '../s3-io.js';
import { type RunningStandIn, startS3 } from '../standins/s3.js';
import { copyFromBlobSql, csvRecord, isCopy, parseCopy, rowValues } from './copy.js';
import { RedshiftDataEmulator } from './data-api.js';

const ROLE = 'arn:aws:iam::123456789012:role/unload';

describe('COPY translation', () => {
  it('reads the table, column list, S3 prefix and JSON option of the exposures load', () => {
    // Prepare
    const sql = `-- load
COPY recommendation_exposures (run_id, viewer_id, show_id, rank, recommended_at)
FROM 's3://recs-bucket/runs/r1/exposures/'
IAM_ROLE '${ROLE}'
FORMAT JSON 'auto'`;

    // Act
    const statement = parseCopy(sql);

    // Assess
    expect(isCopy(sql)).toBe(true);
    expect(statement).toEqual({
      table: 'recommendation_exposures',
      columns: ['run_id', 'viewer_id', 'show_id', 'rank', 'recommended_at'],
      bucket: 'recs-bucket',
      prefix: 'runs/r1/exposures/',
      ignoreCase: false,
    });
  });

  it('refuses the COPY forms it does not play (CSV, JSONPaths, manifests)', () => {
    expect(isCopy('SELECT 1')).toBe(false);
    expect(() => parseCopy("COPY t FROM 's3://b/p/' IAM_ROLE 'r' CSV")).toThrow(/FORMAT \(none\)/);
    expect(() => parseCopy("COPY t FROM 's3://b/p/' FORMAT JSON 's3://b/paths.json'")).toThrow(/JSONPaths/);
    expect(() => parseCopy("COPY t FROM 's3://b/m' FORMAT JSON 'auto' MANIFEST")).toThrow(/MANIFEST/);
  });

  it("maps JSON fields to columns by name as JSON 'auto' does, NULL for missing ones", () => {
    const statement = parseCopy("COPY t (a, b, c) FROM 's3://b/p/' FORMAT AS JSON 'auto ignorecase'");

    expect(rowValues(statement, ['a', 'b', 'c'], '{"A":"x","b":2,"extra":true}')).toEqual(['x', 2, null]);
    expect(rowValues(statement, ['a'], '   ')).toBeNull();
    expect(() => rowValues(statement, ['a'], '{bad')).toThrow(/invalid JSON/);
  });

  it('hands Postgres COPY values exactly: NULL stays NULL, empty strings, quotes, commas and newlines survive', async () => {
    // Prepare
    const pg = new PGlite();
    await pg.exec('CREATE TABLE t (a TEXT, b INTEGER, c TEXT)');
    const rows = [
      ['plain', 1, null],
      ['', 2, 'say "hi", then\nleave'],
      [null, null, '{"json":true}'],
    ];

    // Act
    await pg.query(copyFromBlobSql('t', ['a', 'b', 'c']), [], {
      blob: new Blob([`${rows.map(csvRecord).join('\n')}\n`]),
    });

    // Assess
    const { rows: loaded } = await pg.query<{ a: string | null; b: number | null; c: string | null }>(
      'SELECT a, b, c FROM t ORDER BY b NULLS LAST',
    );
    expect(loaded.map((r) => [r.a, r.b, r.c])).toEqual(rows);
    await pg.close();
  });
});

describe('COPY on the Data API emulation', () => {
  let directory: string;
  let s3Server: RunningStandIn;
  let s3: S3Client;
  let db: PGlite;
  let emulator: RedshiftDataEmulator;
  const bucket = 'recs-copy-test';
  const runId = '20250101T000000Z-copy';
  const prefix = `runs/${runId}/exposures/`;
  const row = (viewer: string, show: string, rank: number) =>
    JSON.stringify({ run_id: runId, viewer_id: viewer, show_id: show, rank, recommended_at: '2025-01-01 00:00:00' });

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'recs-copy-'));
    s3Server = await startS3(directory);
    s3 = makeLocalS3Client(s3Server.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    db = new PGlite();
    await db.exec(
      'CREATE TABLE recommendation_exposures (run_id VARCHAR(64) NOT NULL, viewer_id VARCHAR(64) NOT NULL, show_id VARCHAR(64) NOT NULL, rank INTEGER NOT NULL, recommended_at TIMESTAMP NOT NULL)',
    );
    // Another run's rows must survive this run's reload.
    await db.exec(
      "INSERT INTO recommendation_exposures VALUES ('20240101T000000Z-old', 'v9', 's9', 1, '2024-01-01 00:00:00')",
    );
    emulator = new RedshiftDataEmulator(db, s3);
    await putObject(s3, bucket, `${prefix}part-0000.jsonl`, `${row('v1', 's1', 1)}\n${row('v1', 's2', 2)}\n\n`);
    await putObject(s3, bucket, `${prefix}part-0001.jsonl`, `${row('v2', 's1', 1)}\n`);
  });
  afterAll(async () => {
    s3?.destroy();
    await db?.close();
    await s3Server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  const load = async () => {
    const { Id } = emulator.batchExecuteStatement({
      Sqls: renderLoadExposures({ bucket, runId, exposuresPrefix: prefix, iamRoleArn: ROLE }),
    });
    await emulator.idle();
    return emulator.describeStatement({ Id: String(Id) });
  };
  const count = async (run: string) =>
    (await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM recommendation_exposures WHERE run_id = $1', [run]))
      .rows[0]?.n;

  it('loads every JSON Lines object under the prefix, and a rerun replaces the rows instead of doubling them', async () => {
    // Act
    const first = await load();
    const afterFirst = await count(runId);
    const second = await load();

    // Assess
    expect(first.Status).toBe('FINISHED');
    expect(second.Status).toBe('FINISHED');
    expect(afterFirst).toBe(3);
    expect(await count(runId)).toBe(3);
    expect(await count('20240101T000000Z-old')).toBe(1);
    const { rows } = await db.query<{ show_id: string; rank: number; recommended_at: string }>(
      "SELECT show_id, rank, TO_CHAR(recommended_at, 'YYYY-MM-DD HH24:MI:SS') AS recommended_at FROM recommendation_exposures WHERE run_id = $1 AND viewer_id = 'v1' ORDER BY rank",
      [runId],
    );
    expect(rows).toEqual([
      { show_id: 's1', rank: 1, recommended_at: '2025-01-01 00:00:00' },
      { show_id: 's2', rank: 2, recommended_at: '2025-01-01 00:00:00' },
    ]);
  });

  it('fails the whole batch (and keeps the old rows) when the prefix holds no objects', async () => {
    const { Id } = emulator.batchExecuteStatement({
      Sqls: [
        `DELETE FROM recommendation_exposures WHERE run_id = '${runId}'`,
        `COPY recommendation_exposures FROM 's3://${bucket}/runs/none/' IAM_ROLE '${ROLE}' FORMAT JSON 'auto'`,
      ],
    });
    await emulator.idle();

    const described = emulator.describeStatement({ Id: String(Id) });
    expect(described.Status).toBe('FAILED');
    expect(String(described.Error)).toMatch(/does not exist/);
    expect(await count(runId)).toBe(3);
  });
});
