import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHttpApi, latestReportRoute } from '../../local/http-server.js';
import { loadOrCreateSigningKey, localAuthorizerSettings, signToken } from '../../local/jwt-keys.js';
import { renderLatestReport } from '../../local/report.js';
import { loadSampleWarehouse, makeSampleWarehouse } from '../../local/report-sample-data.js';

const recsBin = fileURLToPath(new URL('../../bin/recs.js', import.meta.url));
const recs = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [recsBin, ...args], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

let dataDir: string;
const sample = makeSampleWarehouse({ viewers: 60, weeks: 4, seed: 11 });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recs-report-'));
  const db = new PGlite(join(dataDir, 'warehouse'));
  await loadSampleWarehouse(db, sample);
  await db.close();
  // A newer run that has S3 output but no recorded exposures yet: the report should pick it as the latest run.
  mkdirSync(join(dataDir, 's3', 'recs-local', 'runs', '20990101T000000Z-newest'), { recursive: true });
});
afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('recs report', () => {
  it('writes the latest local run report as HTML and JSON and prints the HTML path', async () => {
    const out = join(dataDir, 'out', 'top-shows.html');

    const { code, stdout } = await recs(['report', '--data-dir', dataDir, '--out', out]);

    expect(code).toBe(0);
    expect(stdout.trim()).toBe(out);
    const report = JSON.parse(readFileSync(join(dataDir, 'out', 'top-shows.json'), 'utf8'));
    expect(report.runId).toBe('20990101T000000Z-newest');
    expect(report.weeks).toHaveLength(8);
    expect(report.recommendations.runId).toBe(sample.runId);
    expect(readFileSync(out, 'utf8')).toContain('Top-performing shows');
  });

  it('writes a given run to <data-dir>/reports/<runId>/ by default', async () => {
    const { code, stdout } = await recs(['report', '--data-dir', dataDir, '--run', sample.runId, '--json']);

    expect(code).toBe(0);
    const printed = JSON.parse(stdout);
    expect(printed).toEqual({
      runId: sample.runId,
      html: join(dataDir, 'reports', sample.runId, 'report.html'),
      json: join(dataDir, 'reports', sample.runId, 'report.json'),
    });
    expect(existsSync(printed.json)).toBe(true);
  });

  it('exits 2 with a clear message when there is no local warehouse', async () => {
    const { code, stderr } = await recs(['report', '--data-dir', join(dataDir, 'nothing-here')]);

    expect(code).toBe(2);
    expect(stderr).toContain(`no local run in ${join(dataDir, 'nothing-here')} yet: run \`npm start\` first`);
  });

  it('renders the latest report for the local HTTP server', async () => {
    const html = await renderLatestReport(dataDir);

    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('20990101T000000Z-newest');
  });
});

describe('GET /reports/latest on the local HTTP API', () => {
  // The route demands the reports scope, as GET /reports/top-shows does in AWS: a business user's token or a
  // service token made with `recs token --service --scope reports/read`.
  it('answers the newest report as HTML for a token with the reports scope, and 401/403 otherwise', async () => {
    // Prepare
    const key = await loadOrCreateSigningKey(dataDir);
    const api = new LocalHttpApi({
      authorizer: localAuthorizerSettings(key),
      routes: [latestReportRoute(dataDir, 'reports/read')],
    });
    const missing = new LocalHttpApi({
      authorizer: localAuthorizerSettings(key),
      routes: [latestReportRoute(join(dataDir, 'nothing-here'), 'reports/read')],
    });
    const url = await api.listen(0);
    const missingUrl = await missing.listen(0);
    const reader = await signToken(key, { subject: 'login-service', scope: 'reports/read' });
    const offersOnly = await signToken(key, { subject: 'login-service', scope: 'offers/read' });
    const get = (base: string, token?: string) =>
      fetch(`${base}/reports/latest`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    try {
      // Act: two at once, which must not open the warehouse folder twice.
      const [first, second] = await Promise.all([get(url, reader), get(url, reader)]);
      const anonymous = await get(url);
      const forbidden = await get(url, offersOnly);
      const notYet = await get(missingUrl, reader);

      // Assess
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(first.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await first.text();
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toContain('20990101T000000Z-newest');
      expect(await second.text()).toContain('Top-performing shows');
      expect(anonymous.status).toBe(401);
      expect(forbidden.status).toBe(403);
      expect(notYet.status).toBe(404);
    } finally {
      await api.close();
      await missing.close();
    }
  });
});
