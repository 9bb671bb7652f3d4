import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInteractions, writeChannels } from './testing/fixtures.js';

// The local runtime starts the container exactly like this (docs/contracts.md), so the test does too.
const mainFile = fileURLToPath(new URL('./main.ts', import.meta.url));
const run = (args: string[], env: Record<string, string>) =>
  spawn(process.execPath, ['--import', 'tsx', mainFile, ...args], { env: { ...process.env, ...env } });

async function finish(child: ChildProcess): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  return { code, stdout, stderr };
}

/** Resolves when `serve` logs that it listens (main.ts prints the line after `listen`), instead of polling a clock. */
function untilServing(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const onData = (chunk: Buffer) => {
      stdout += chunk;
      if (!/"message":"serving"/.test(stdout)) return;
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      resolve();
    };
    const onExit = (code: number | null) => reject(new Error(`serve exited ${code} before listening: ${stdout}`));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('container contract', () => {
  let root = '';
  let server: ChildProcess | undefined;
  let port = 0;
  let trained = { code: 1, stdout: '', stderr: '' };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'recs-opt-ml-'));
    const x = makeInteractions({ viewers: 40, shows: 24, groups: 3, perViewer: 6, seed: 1 });
    await writeChannels(root, x, { hyperparameters: { model: 'ease', k: '5', seed: '3' } });
    trained = await finish(run(['train'], { SM_OPT_ML_ROOT: root }));
    port = await freePort();
    server = run(['serve'], {
      SM_OPT_ML_ROOT: root,
      SAGEMAKER_BIND_TO_PORT: String(port),
      TOP_K: '4',
      SERVE_THREADS: '2',
    });
    await untilServing(server);
  });

  afterAll(async () => {
    server?.kill('SIGTERM');
    await rm(root, { recursive: true, force: true });
  });

  it('train logs the three validation metrics and writes the model', () => {
    expect(trained.code).toBe(0);
    expect(trained.stdout).toMatch(/^validation:ndcg@10=([0-9.eE+-]+)$/m);
    expect(trained.stdout).toMatch(/^validation:recall@10=([0-9.eE+-]+)$/m);
    expect(trained.stdout).toMatch(/^validation:popularity_ndcg@10=([0-9.eE+-]+)$/m);
    expect(Number(/validation:ndcg@10=([0-9.eE+-]+)/.exec(trained.stdout)?.[1])).toBeGreaterThan(0);
    expect(existsSync(join(root, 'model', 'model.json'))).toBe(true);
  });

  it('serve answers /ping and JSON Lines invocations in order, with a per-line error for a bad line', async () => {
    const body = [
      '{"viewer_id":"v1"}',
      'not json',
      '{"viewerId":"v2","partner":"hulu"}',
      '{"viewerId":"stranger"}',
      '{}',
    ].join('\n');
    const response = await fetch(`http://127.0.0.1:${port}/invocations`, { method: 'POST', body });
    expect(response.status).toBe(200);
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines[0].viewerId).toBe('v1');
    expect(lines[0].recommendations).toHaveLength(4);
    expect(Object.keys(lines[0].recommendations[0]).sort()).toEqual(
      ['brand', 'genre', 'partner', 'reason', 'score', 'showId', 'title'].sort(),
    );
    expect(lines[1]).toEqual({ line: 2, error: { code: 'InvalidJson', message: expect.any(String) } });
    expect(lines[2].recommendations.length).toBeGreaterThan(0);
    expect(lines[2].recommendations.every((r: { partner: string }) => r.partner === 'hulu')).toBe(true);
    expect(lines[3].recommendations).toHaveLength(4); // unknown viewer: popularity
    expect(lines[4]).toMatchObject({ line: 5, error: { code: 'InvalidRequest' } });
  });

  it('train fails with a reason in /opt/ml/output/failure when there are too few viewers', async () => {
    const small = await mkdtemp(join(tmpdir(), 'recs-opt-ml-'));
    try {
      await writeChannels(small, makeInteractions({ viewers: 3, shows: 6, seed: 1 }), {
        hyperparameters: { min_viewers: '10' },
      });
      const result = await finish(run(['train'], { SM_OPT_ML_ROOT: small }));
      expect(result.code).not.toBe(0);
      expect(await readFile(join(small, 'output', 'failure'), 'utf8')).toMatch(/too few viewers.*3.*min_viewers is 10/);
    } finally {
      await rm(small, { recursive: true, force: true });
    }
  });

  it('train fails naming the key of a bad hyperparameter', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'recs-opt-ml-'));
    try {
      await writeChannels(bad, makeInteractions({ viewers: 20, shows: 6, seed: 1 }), {
        hyperparameters: { k: 'many' },
      });
      const result = await finish(run(['train'], { SM_OPT_ML_ROOT: bad }));
      expect(result.code).not.toBe(0);
      expect(await readFile(join(bad, 'output', 'failure'), 'utf8')).toMatch(/HyperparameterError: hyperparameter "k"/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});
