import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
