import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignmentBucket, assignVariant, controlThreshold } from '../../functions/_shared/experiment.js';
import { EXPERIMENT_ASSIGNMENT_SQL } from '../../functions/report-top-shows/experiment-assignment-sql.generated.js';
import { pgSqlRunner } from '../../local/pg-sql-runner.js';

// Issue #18: the offers endpoint (TypeScript) and the report (warehouse SQL) must put every viewer in the same
// variant without storing an assignment. Proved here through the local warehouse on 10,000 viewer ids.
const schema = readFileSync(new URL('../../sql/schema.sql', import.meta.url), 'utf8');
let db: PGlite;
const viewerIds = Array.from({ length: 10_000 }, (_, i) =>
  // Ids of the shapes the system sees: padded sample ids, UUID-like and short ones.
  i % 3 === 0 ? `v${String(i).padStart(6, '0')}` : i % 3 === 1 ? `${(i * 2654435761).toString(16)}-${i}` : `u_${i}`,
);

beforeAll(async () => {
  db = new PGlite();
  await db.exec(schema);
  for (let i = 0; i < viewerIds.length; i += 2000) {
    const rows = viewerIds.slice(i, i + 2000).map((id) => `('own', 'acct-${id}', '${id}')`);
    await db.exec(`INSERT INTO identity_map (partner, partner_user_id, viewer_id) VALUES ${rows.join(',')}`);
  }
});

afterAll(async () => {
  await db.close();
});

describe('experiment assignment in TypeScript and in the warehouse', () => {
  it('computes MD5 as Redshift documents it', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_MD5.html: md5('Amazon Redshift')
    const { rows } = await db.query<{ digest: string }>("SELECT MD5('Amazon Redshift') AS digest");

    expect(rows[0]?.digest).toBe('f7415e33f972c03abd4f3fed36748f7a');
  });

  it.each([
    ['holdout-2026-11', 0.1],
    ['retention_test', 0.25],
  ])('agrees on the bucket and variant of 10,000 viewers (experiment %s, share %s)', async (id, share) => {
    const rows = await pgSqlRunner(db).run(EXPERIMENT_ASSIGNMENT_SQL, {
      experiment_id: id,
      control_threshold: String(controlThreshold(share)),
    });
    const sql = new Map(
      rows.map((row) => [String(row.viewer_id), { bucket: Number(row.bucket), variant: row.variant }]),
    );

    expect(sql.size).toBe(10_000);
    const disagreements = viewerIds.filter((viewerId) => {
      const fromSql = sql.get(viewerId);
      return (
        fromSql?.bucket !== assignmentBucket(id, viewerId) ||
        fromSql.variant !== assignVariant({ id, controlShare: share }, viewerId)
      );
    });
    expect(disagreements).toEqual([]);
    const control = [...sql.values()].filter((a) => a.variant === 'control').length;
    expect(Math.abs(control / 10_000 - share)).toBeLessThan(0.02);
  });
});
