import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ranker } from './ranker.js';
import { answerInvocations, streamInvocations } from './serve.js';
import { type BatchRanker, InlineRanker, RankerPool } from './serve-pool.js';
import { UNDER_MUTATION_RUN } from './testing/mutation-run.js';
import { makeServingArtifact, viewerIdOf } from './testing/serving-artifact.js';

const artifact = makeServingArtifact({ viewers: 300, shows: 400, factors: 8, perViewer: 5, seed: 7 });
const ranker = new Ranker(artifact);
const TOP_K = 5;

/** What the old whole-body handler answered for one line: the ranker's list for it, as one JSON line. */
const expectedFor = (viewerId: string, partner?: string) =>
  `${JSON.stringify({ viewerId, recommendations: ranker.recommend({ viewerId, partner, k: TOP_K }) })}\n`;

describe('streamed invocations', () => {
  let pool: BatchRanker;
  beforeAll(async () => {
    pool = await RankerPool.start(artifact, 2);
  });
  afterAll(async () => {
    await pool.close();
  });

  it.skipIf(UNDER_MUTATION_RUN)(
    'answers every line in input order, as ranking each line alone would, on worker threads and inline',
    async () => {
      const lines: string[] = [];
      const expected: string[] = [];
      for (let u = 0; u < 150; u++) {
        lines.push(JSON.stringify({ viewer_id: viewerIdOf(u) }));
        expected.push(expectedFor(viewerIdOf(u)));
        if (u % 40 === 3) {
          lines.push(JSON.stringify({ viewerId: viewerIdOf(u), partner: 'youtube' }));
          expected.push(expectedFor(viewerIdOf(u), 'youtube'));
          lines.push('{not json', '', JSON.stringify({ viewerId: 'somebody-new', partner: 'netflix' }));
          expected.push(
            `${JSON.stringify({ line: lines.length - 2, error: { code: 'InvalidJson', message: 'line is not valid JSON' } })}\n`,
            `${JSON.stringify({ viewerId: 'somebody-new', recommendations: [] })}\n`,
          );
        }
      }
      const body = `${lines.join('\n')}\n`;
      const inline = new InlineRanker(artifact);

      const pooled = await answerInvocations(body, ranker, pool, TOP_K);
      const single = await answerInvocations(body, ranker, inline, TOP_K);

      expect(pooled).toBe(expected.join(''));
      expect(single).toBe(pooled);
    },
  );

  it('reads only a bounded window ahead of what it has written, whatever the body size', async () => {
    const total = 5_000;
    let read = 0;
    let written = 0;
    let furthestAhead = 0;
    async function* body() {
      for (let u = 0; u < total; u++) {
        read++;
        furthestAhead = Math.max(furthestAhead, read - written);
        yield `${JSON.stringify({ viewer_id: viewerIdOf(u % 300) })}\n`;
      }
    }
    // A slow client: every write takes a few turns of the event loop.
    const slowWrite = async (text: string) => {
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      written += text.split('\n').length - 1;
    };

    await streamInvocations(body(), ranker, pool, TOP_K, slowWrite);

    expect(written).toBe(total);
    // 2 threads × 2 batches of 32 in flight, one open batch, one being written: ~200 lines, never the whole body.
    expect(furthestAhead).toBeLessThanOrEqual(300);
  });

  it('reassembles lines and multi-byte characters split across chunks', async () => {
    const body = Buffer.from(
      `${JSON.stringify({ viewerId: 'zoë-🎬' })}\n${JSON.stringify({ viewer_id: viewerIdOf(1) })}`,
    );
    const chunks = Array.from(body, (_, i) => body.subarray(i, i + 1));
    let out = '';

    await streamInvocations(chunks, ranker, pool, TOP_K, async (text) => {
      out += text;
    });

    expect(out).toBe(expectedFor('zoë-🎬') + expectedFor(viewerIdOf(1)));
  });

  it('answers a line too long to buffer with one error and goes on with the next line', async () => {
    const long = `{"viewer_id":"${'x'.repeat(200_000)}"}`;
    const chunks = [long.slice(0, 100_000), long.slice(100_000), `\n${JSON.stringify({ viewer_id: viewerIdOf(2) })}\n`];
    let out = '';

    await streamInvocations(chunks, ranker, pool, TOP_K, async (text) => {
      out += text;
    });

    const [first, second] = out.trim().split('\n');
    expect(JSON.parse(first as string)).toMatchObject({ line: 1, error: { code: 'InvalidRequest' } });
    expect(`${second}\n`).toBe(expectedFor(viewerIdOf(2)));
  });
});
