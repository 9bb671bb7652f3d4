import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `recs run --fail-at`, `recs redrive` and `recs executions` as an operator runs them: each command is its own
// process, so the redrive also proves that a failed execution resumes from what the data dir recorded.
const BIN = fileURLToPath(new URL('../../bin/recs.js', import.meta.url));

function recs(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('recs run --fail-at, recs redrive, recs executions', () => {
  let dataDir: string;
  let run: Awaited<ReturnType<typeof recs>>;
  let redrive: Awaited<ReturnType<typeof recs>>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'recs-redrive-cli-'));
    const sample = ['--viewers', '200', '--shows', '40', '--days', '14', '--seed', '7'];
    run = await recs([
      'run',
      ...sample,
      '--data-dir',
      dataDir,
      '--execution-name',
      'cli',
      '--fail-at',
      'WriteTopTen:batch=1',
      '--json',
    ]);
    redrive = await recs(['redrive', 'cli', '--data-dir', dataDir, '--json']);
  }, 150_000);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('fails the chosen Map batch, exits 1, and the redrive finishes from WriteTopTen with the same JSON shape', () => {
    const failed = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    const redriven = JSON.parse(redrive.stdout.trim().split('\n').at(-1) ?? '{}');

    expect(run.code, run.stderr).toBe(1);
    expect(failed).toMatchObject({ status: 'FAILED', failedState: 'WriteTopTen' });
    expect(redrive.code, redrive.stderr).toBe(0);
    expect(Object.keys(redriven).sort()).toEqual(
      Object.keys(failed)
        .filter((k) => !['failedState', 'error'].includes(k))
        .sort(),
    );
    expect(redriven).toMatchObject({ executionName: 'cli', status: 'SUCCEEDED', recommendationsWritten: 200 });
    expect(redriven.states[0].name).toBe('WriteTopTen');
    expect(redrive.stderr).toContain('redrive 1 from WriteTopTen');
  });

  it('lists the execution with its redrive count, and refuses a second redrive and unknown names (exit 2)', async () => {
    const list = await recs(['executions', '--data-dir', dataDir, '--json']);
    const again = await recs(['redrive', 'cli', '--data-dir', dataDir]);
    const unknown = await recs(['redrive', 'nope', '--data-dir', dataDir]);
    const badSpec = await recs(['run', '--data-dir', dataDir, '--fail-at', 'Train Model']);

    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ executionName: 'cli', status: 'SUCCEEDED', redriveCount: 1 }),
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe('recs: execution cli is SUCCEEDED; only a FAILED execution can be redriven');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no execution named "nope"/);
    expect(badSpec.code).toBe(2);
    expect(badSpec.stderr).toMatch(/--fail-at/);
  });

  it('a job that outlives its failed execution is reused by the redrive in a later process', async () => {
    // Prepare: TrainModel's first pass starts the job, its polls fail; the process lets the job end, then exits.
    const failed = await recs([
      'run',
      '--data-dir',
      dataDir,
      '--execution-name',
      'job',
      '--fail-at',
      'TrainModel:2+',
      '--json',
    ]);

    // Act
    const redriven = await recs(['redrive', 'job', '--data-dir', dataDir, '--json']);

    // Assess
    expect(failed.code, failed.stderr).toBe(1);
    expect(JSON.parse(failed.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ failedState: 'TrainModel' });
    expect(redriven.code, redriven.stderr).toBe(0);
    const registry = JSON.parse(readFileSync(join(dataDir, 'sagemaker', 'registry.json'), 'utf8'));
    const { runId } = JSON.parse(readFileSync(join(dataDir, 'executions', 'job', 'execution.json'), 'utf8'));
    expect(runId).toMatch(/-job$/);
    const training = Object.entries(
      registry.trainingJobs as Record<string, { Tags?: { Key: string; Value: string }[] }>,
    )
      .filter(([, job]) => job.Tags?.some((tag) => tag.Key === 'runId' && tag.Value === runId))
      .map(([name]) => name);
    expect(training).toHaveLength(1);
    expect(training[0]).toMatch(/-train-r0$/);
  }, 150_000);
});
