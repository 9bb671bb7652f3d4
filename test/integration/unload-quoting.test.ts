import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderUnload } from '../../functions/prepare-run/unload-sql.js';
import { RedshiftDataEmulator } from '../../local/redshift/data-api.js';
import { getText, listAll, makeLocalS3Client } from '../../local/s3-io.js';
import { type RunningStandIn, startS3 } from '../../local/standins/s3.js';

// A SELECT whose literal holds both a backslash and a quote, wrapped by PrepareRun's UNLOAD rendering and run by the
// local warehouse, which reads the UNLOAD literal with Redshift's rules (a backslash escapes the next character):
// the SELECT must reach the database exactly as written, so the row it matches comes back out in the parts.
const bucket = 'recs-unload-quoting';
const prefix = 'runs/20250101T000000Z-quoting/catalog/';
const credentials = { iamRoleArn: 'arn:aws:iam::123456789012:role/unload', kmsKeyId: 'local-DataKey' };
const title = String.raw`It's C:\tmp\new`;

describe('UNLOAD quoting on the local warehouse', () => {
  let directory: string;
  let s3Server: RunningStandIn;
  let s3: S3Client;
  let db: PGlite;
  let emulator: RedshiftDataEmulator;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'recs-unload-quoting-'));
    s3Server = await startS3(directory);
    s3 = makeLocalS3Client(s3Server.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    db = new PGlite();
    await db.exec('CREATE TABLE shows (show_id VARCHAR(64), title VARCHAR(256))');
    await db.query('INSERT INTO shows VALUES ($1, $2), ($3, $4)', ['s1', title, 's2', 'Plain title']);
    emulator = new RedshiftDataEmulator(db, s3);
  });
  afterAll(async () => {
    s3?.destroy();
    await db?.close();
    await s3Server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('round-trips a literal with a backslash and a quote through UNLOAD', async () => {
    // Prepare: the literal as a SQL file would hold it (quote doubled, backslashes as they are).
    const select = `SELECT show_id, title FROM shows WHERE title = '${title.replaceAll("'", "''")}'`;
    const sql = renderUnload(
      select,
      { channel: 'catalog', bucket, prefix },
      new Date('2025-01-01T00:00:00Z'),
      credentials,
    );

    // Act
    const { Id } = emulator.batchExecuteStatement({ Sqls: [sql] });
    await emulator.idle();

    // Assess
    expect(emulator.describeStatement({ Id: String(Id) }).Status).toBe('FINISHED');
    const parts = await listAll(s3, bucket, prefix);
    const rows = (await Promise.all(parts.map((part) => getText(s3, bucket, part.Key))))
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line));
    expect(rows).toEqual([{ show_id: 's1', title }]);
    expect(sql).toContain(`KMS_KEY_ID '${credentials.kmsKeyId}'\nENCRYPTED`);
  });
});
