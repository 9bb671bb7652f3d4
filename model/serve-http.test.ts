import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { saveArtifact } from './artifact.js';
import { Ranker } from './ranker.js';
import { createInferenceServer, serve } from './serve.js';
import { type BatchRanker, InlineRanker } from './serve-pool.js';
import { makeServingArtifact, viewerIdOf } from './testing/serving-artifact.js';

// The SageMaker inference contract over real HTTP, in-process: GET /ping, POST /invocations (JSON Lines, streamed),
// 404 otherwise; a failure before the first byte is a 500, after it a cut connection (so SageMaker retries rather
// than keeping half an answer).

const artifact = makeServingArtifact({ viewers: 300, shows: 12, factors: 3, perViewer: 2, seed: 9 });
const ranker = new Ranker(artifact);
const inline = new InlineRanker(artifact);
const TOP_K = 3;

const servers: Server[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listening(server: Server): Promise<string> {
  servers.push(server);
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A pool that ranks inline until its `failAt`-th batch (1-based), which rejects. */
const failingPool = (failAt: number): BatchRanker => {
  let calls = 0;
  return {
    threads: 1,
    rankBatch: (viewers, partners, k) =>
      ++calls >= failAt ? Promise.reject(new Error('worker died')) : inline.rankBatch(viewers, partners, k),
    close: async () => {},
  };
};

const body = (viewers: number) =>
  Array.from({ length: viewers }, (_, u) => JSON.stringify({ viewer_id: viewerIdOf(u) })).join('\n');

describe('createInferenceServer', () => {
  it('answers GET /ping with ok, any query string ignored, and no time limit on reading a request', async () => {
    const server = createInferenceServer(ranker, inline, { SAGEMAKER_BIND_TO_PORT: 0, TOP_K });
    const url = await listening(server);

    const ping = await fetch(`${url}/ping?probe=1`);

    expect(ping.status).toBe(200);
    expect(await ping.text()).toBe('ok');
    expect(server.requestTimeout).toBe(0);
  });

  it('answers POST /invocations as JSON Lines, one answer per line in order, with at most TOP_K shows', async () => {
    const url = await listening(createInferenceServer(ranker, inline, { SAGEMAKER_BIND_TO_PORT: 0, TOP_K }));

    const response = await fetch(`${url}/invocations`, { method: 'POST', body: `${body(2)}\n{"viewer_id":""}\n` });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/jsonlines');
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.viewerId ?? line.line)).toEqual([viewerIdOf(0), viewerIdOf(1), 3]);
    expect(lines[0].recommendations).toEqual(
      JSON.parse(JSON.stringify(ranker.recommend({ viewerId: viewerIdOf(0), k: TOP_K }))),
    );
    expect(lines[0].recommendations).toHaveLength(TOP_K);
  });

  it('answers an empty body with an empty 200, and anything else with a 404', async () => {
    const url = await listening(createInferenceServer(ranker, inline, { SAGEMAKER_BIND_TO_PORT: 0, TOP_K }));

    const empty = await fetch(`${url}/invocations`, { method: 'POST', body: '' });
    const getInvocations = await fetch(`${url}/invocations`);
    const other = await fetch(`${url}/models`, { method: 'POST', body: '{}' });

    expect([empty.status, await empty.text(), empty.headers.get('content-type')]).toEqual([
      200,
      '',
      'application/jsonlines',
    ]);
    expect([getInvocations.status, other.status]).toEqual([404, 404]);
    expect(await other.json()).toEqual({ error: { code: 'NotFound' } });
  });

  it('answers a failure before any answer was sent with a logged 500 that names nothing', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const url = await listening(createInferenceServer(ranker, failingPool(1), { SAGEMAKER_BIND_TO_PORT: 0, TOP_K }));

    const response = await fetch(`${url}/invocations`, { method: 'POST', body: body(2) });

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'InternalError', message: 'internal error' } });
    expect(stderr).toHaveBeenCalledWith(
      `${JSON.stringify({ level: 'ERROR', message: 'invocation failed', error: 'Error: worker died' })}\n`,
    );
  });

  it('cuts the connection when a batch fails after answers were sent, so half an answer never passes for whole', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    // One thread keeps two batches of 32 in flight, so the first is written before the fourth is ranked.
    const url = await listening(createInferenceServer(ranker, failingPool(4), { SAGEMAKER_BIND_TO_PORT: 0, TOP_K }));

    const response = await fetch(`${url}/invocations`, { method: 'POST', body: body(200) });

    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });
});

describe('serve', () => {
  let modelDir: string;
  beforeAll(async () => {
    modelDir = await mkdtemp(join(tmpdir(), 'recs-serve-'));
    await saveArtifact(modelDir, artifact);
  });
  afterAll(() => rm(modelDir, { recursive: true, force: true }));

  it('loads the model from its folder and listens on the configured port', async () => {
    const { server, pool } = await serve(modelDir, { SAGEMAKER_BIND_TO_PORT: 0, TOP_K, SERVE_THREADS: 1 });
    const url = await listening(server);

    const response = await fetch(`${url}/invocations`, { method: 'POST', body: body(1) });

    expect(pool).toBeInstanceOf(InlineRanker);
    expect(JSON.parse(await response.text()).recommendations).toEqual(
      JSON.parse(JSON.stringify(ranker.recommend({ viewerId: viewerIdOf(0), k: TOP_K }))),
    );
  });

  it('rejects when the port is taken', async () => {
    const taken = await listening(createInferenceServer(ranker, inline, { SAGEMAKER_BIND_TO_PORT: 0, TOP_K }));
    const port = Number(new URL(taken).port);

    await expect(serve(modelDir, { SAGEMAKER_BIND_TO_PORT: port, TOP_K, SERVE_THREADS: 1 })).rejects.toThrow(
      /EADDRINUSE/,
    );
  });
});
