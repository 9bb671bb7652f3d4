import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportIndexKey, reportKeys } from '../../functions/_shared/run-layout.js';
import { dataPaths } from '../../local/data-dir.js';
import { loadHttpApiWiring } from '../../local/http-routes.js';
import { loadOrCreateSigningKey, signToken } from '../../local/jwt-keys.js';
import { type LocalApi, startLocalApi } from '../../local/local-api.js';
import { makeLocalS3Client } from '../../local/s3-io.js';
import { DEFAULT_LOCAL_NAMES } from '../../local/serverless-refs.js';
import { startS3 } from '../../local/standins/s3.js';

/**
 * `recs serve` (local/local-api.ts) serves serverless.yml's routes through the real handlers, with IAM on: the
 * report route reads what a run's report step left in the data dir's S3, as the function's own role.
 */

const ROOT = new URL('../..', import.meta.url).pathname;
let dataDir: string;
let api: LocalApi;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recs-serve-'));
  api = await startLocalApi({ dataDir, root: ROOT });
});
afterAll(async () => {
  await api?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const getReport = async (scope: string) => {
  const key = await loadOrCreateSigningKey(dataDir);
  const token = await signToken(key, { subject: 'analyst', scope });
  return fetch(`${api.url}/reports/top-shows`, { headers: { authorization: `Bearer ${token}` } });
};

/** What `recs run`'s report step leaves: report.json, then the run's report index entry. */
async function writeReportAsARunWould(runIds: readonly string[]): Promise<void> {
  // A second s3rver over the same folder, as `recs run` in another terminal would be: s3rver keeps no state
  // outside the folder.
  const s3 = await startS3(dataPaths(dataDir).s3);
  const client = makeLocalS3Client(s3.endpoint);
  try {
    for (const runId of runIds) {
      const put = (Key: string, Body: string) =>
        client.send(new PutObjectCommand({ Bucket: DEFAULT_LOCAL_NAMES.bucketName, Key, Body }));
      await put(reportKeys(runId).json, JSON.stringify({ runId, weeks: [], topShows: [], brandWeeks: [] }));
      await put(reportIndexKey(runId), '');
    }
  } finally {
    client.destroy();
    await s3.stop();
  }
}

describe('recs serve', () => {
  it("serves serverless.yml's routes, no more and no fewer", () => {
    const declared = loadHttpApiWiring({ root: ROOT }).routes.map((route) => `${route.method} ${route.path}`);

    expect(api.routes.map((route) => `${route.method} ${route.path}`)).toEqual(declared);
    expect(declared).toEqual(expect.arrayContaining(['GET /reports/top-shows', 'GET /viewers/{viewerId}/offers']));
  });

  it('answers GET /reports/top-shows with 404 before any run has reported', async () => {
    const response = await getReport('reports/read');

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'NotFound' } });
  });

  it("answers the newest run's report through the real handler, as its own role, once a run wrote one", async () => {
    // Prepare
    await writeReportAsARunWould(['20260101T050000Z-older', '20260102T050000Z-newer']);

    // Act
    const report = await getReport('reports/read');
    const forbidden = await getReport('offers/read');

    // Assess
    expect(report.status).toBe(200);
    expect(await report.json()).toMatchObject({ runId: '20260102T050000Z-newer' });
    expect(forbidden.status).toBe(403);
  });
});
