import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Ranker } from './ranker.js';
import { answerInvocations, loadServeConfig, servingThreads, streamInvocations } from './serve.js';
import { type BatchRanker, InlineRanker, RankerPool } from './serve-pool.js';
import { UNDER_MUTATION_RUN } from './testing/mutation-run.js';
import { makeServingArtifact, viewerIdOf } from './testing/serving-artifact.js';

// An 8-vCPU instance, so the thread count servingThreads picks shows (only serve.ts reads it among these modules).
vi.mock('node:os', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:os')>()),
  availableParallelism: () => 8,
}));

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

describe('invocation lines, ranked on the calling thread', () => {
  const inline = new InlineRanker(artifact);

  /** An inline pool that records the size of each batch it is asked to rank. */
  function countingPool(threads = 1): BatchRanker & { readonly batches: number[] } {
    const batches: number[] = [];
    return {
      threads,
      batches,
      rankBatch: (viewers, partners, k) => {
        batches.push(viewers.length);
        return inline.rankBatch(viewers, partners, k);
      },
      close: async () => {},
    };
  }

  /** Streams the chunks through `pool`, returning each write (one per answered batch). */
  async function writesFor(chunks: readonly (string | Buffer)[], pool: BatchRanker = inline): Promise<string[]> {
    const writes: string[] = [];
    await streamInvocations(chunks, ranker, pool, TOP_K, async (text) => {
      writes.push(text);
    });
    return writes;
  }

  const linesOf = (writes: readonly string[]): unknown[] =>
    writes
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));
  const answer = (viewerId: string, partner?: string): unknown => JSON.parse(expectedFor(viewerId, partner));
  const failure = (line: number, code: string, message: unknown) => ({ line, error: { code, message } });
  const notJson = (line: number) => failure(line, 'InvalidJson', 'line is not valid JSON');

  it('answers each line in order, a bad one with an error naming its line and field, without failing the rest', async () => {
    const body = [
      JSON.stringify({ viewer_id: viewerIdOf(0) }),
      JSON.stringify({ viewerId: viewerIdOf(1), partner: 'youtube' }),
      '',
      ' \t',
      '{not json',
      JSON.stringify({ partner: 'hulu' }),
      JSON.stringify({ viewer_id: '#2' }),
      JSON.stringify({ viewerId: '' }),
      JSON.stringify({ viewer_id: viewerIdOf(2), partner: 3 }),
      JSON.stringify({ viewerId: viewerIdOf(3), viewer_id: viewerIdOf(4) }),
      JSON.stringify({ viewer_id: 'somebody-new', partner: 'netflix' }),
      JSON.stringify({ viewer_id: 'ends-with-#' }),
      '[]',
      JSON.stringify({ viewer_id: viewerIdOf(5), partner: 'hulu' }),
      '{"viewer_id":', // the last line, without a newline
    ].join('\n');

    const lines = linesOf([await answerInvocations(body, ranker, inline, TOP_K)]);

    expect(lines).toEqual([
      answer(viewerIdOf(0)),
      answer(viewerIdOf(1), 'youtube'),
      notJson(5), // blank lines 3 and 4 get no answer but keep their numbers
      failure(6, 'InvalidRequest', 'viewer_id or viewerId is required'),
      failure(7, 'InvalidRequest', 'viewer_id: viewer ids never start with "#"'),
      failure(8, 'InvalidRequest', expect.stringMatching(/^viewerId: /)),
      failure(9, 'InvalidRequest', expect.stringMatching(/^partner: /)),
      answer(viewerIdOf(3)), // viewerId wins over viewer_id
      { viewerId: 'somebody-new', recommendations: [] }, // nothing is offered on a partner the model does not know
      answer('ends-with-#'),
      failure(13, 'InvalidRequest', expect.stringMatching(/object/)),
      answer(viewerIdOf(5), 'hulu'),
      notJson(15),
    ]);
    expect((lines[1] as { recommendations: { partner: string }[] }).recommendations.length).toBeGreaterThan(0);
  });

  it('ranks 32 lines per batch and writes each batch as one piece, partners kept with their viewers', async () => {
    const partners = [undefined, 'hulu', 'youtube', undefined, 'appletv', 'own', 'netflix'];
    const requests = Array.from({ length: 70 }, (_, u) => ({ viewerId: viewerIdOf(u), partner: partners[u % 7] }));
    const pool = countingPool();

    const writes = await writesFor([`${requests.map((r) => JSON.stringify(r)).join('\n')}\n`], pool);

    // Every 7th line names an unknown partner: answered in place, never sent to the pool.
    expect(pool.batches).toEqual([32, 28]);
    expect(writes.map((w) => w.split('\n').length - 1)).toEqual([37, 33]);
    expect(writes.join('')).toBe(requests.map((r) => expectedFor(r.viewerId, r.partner)).join(''));
  });

  it('writes the last batch when the input ends right after a full one', async () => {
    const body = Array.from({ length: 32 }, (_, u) => `${JSON.stringify({ viewer_id: viewerIdOf(u) })}\n`).join('');
    const writes = await writesFor([body]);
    expect(writes.join('')).toBe(Array.from({ length: 32 }, (_, u) => expectedFor(viewerIdOf(u))).join(''));
  });

  it('answers lines that need no ranking in batches of 128 too, without asking the pool', async () => {
    const pool = countingPool();
    const writes = await writesFor(['x\n'.repeat(400)], pool);
    expect(writes.map((w) => w.split('\n').length - 1)).toEqual([128, 128, 128, 16]);
    expect(linesOf(writes)).toEqual(Array.from({ length: 400 }, (_, i) => notJson(i + 1)));
    expect(pool.batches).toEqual([]);
  });

  it('counts a line too long to buffer towards the 128-line batch', async () => {
    const tooLong = 'x'.repeat(70_000);
    const chunks = [`${'x\n'.repeat(3)}${tooLong}`, `\n${'x\n'.repeat(123)}${tooLong}`, '\nx\nx\n'];

    const writes = await writesFor(chunks);

    expect(writes.map((w) => w.split('\n').length - 1)).toEqual([128, 2]);
    const longLine = (line: number) => failure(line, 'InvalidRequest', 'line is longer than 65536 characters');
    expect(linesOf(writes)).toEqual([
      ...[1, 2, 3].map(notJson),
      longLine(4),
      ...Array.from({ length: 123 }, (_, i) => notJson(i + 5)),
      longLine(128),
      notJson(129),
      notJson(130),
    ]);
  });

  it('answers a line of exactly 64 KiB', async () => {
    const viewerId = 'v'.repeat(64 * 1024 - '{"viewer_id":""}'.length);
    const line = JSON.stringify({ viewer_id: viewerId });
    expect(line.length).toBe(65_536);
    expect((await writesFor([line, '\n'])).join('')).toBe(expectedFor(viewerId));
  });

  it('answers a too-long line spread over many chunks once, and goes on after its end', async () => {
    const part = 'x'.repeat(70_000);
    const chunks = [`{"viewer_id":"${part}`, part, part, `xx"}\n${JSON.stringify({ viewer_id: viewerIdOf(9) })}\n`];
    const lines = linesOf(await writesFor(chunks));
    expect(lines).toEqual([
      failure(1, 'InvalidRequest', 'line is longer than 65536 characters'),
      answer(viewerIdOf(9)),
    ]);
  });

  it('answers a too-long last line once when the input ends inside it', async () => {
    const lines = linesOf(await writesFor([`{"viewer_id":"${'x'.repeat(70_000)}`, 'abc']));
    expect(lines).toEqual([failure(1, 'InvalidRequest', 'line is longer than 65536 characters')]);
  });

  it('keeps two batches per ranking thread in flight before waiting to write the oldest', async () => {
    let read = 0;
    let readAtFirstWrite = -1;
    async function* body() {
      for (let u = 0; u < 300; u++) {
        read++;
        yield `${JSON.stringify({ viewer_id: viewerIdOf(u) })}\n`;
      }
    }
    await streamInvocations(body(), ranker, countingPool(2), TOP_K, async () => {
      if (readAtFirstWrite < 0) readAtFirstWrite = read;
    });
    // 2 threads × 2 batches in flight, so the oldest is written when the fifth batch of 32 is sent.
    expect(readAtFirstWrite).toBe(5 * 32);
  });
});

describe('servingThreads', () => {
  it('ranks on every vCPU from 2,000 shows up, on the HTTP thread alone below, unless SERVE_THREADS says', () => {
    const unset = loadServeConfig({});
    expect(servingThreads(unset, 1999)).toBe(1);
    expect(servingThreads(unset, 2000)).toBe(8);
    expect(servingThreads(loadServeConfig({ SERVE_THREADS: '1' }), 50_000)).toBe(1);
    expect(servingThreads(loadServeConfig({ SERVE_THREADS: '3' }), 10)).toBe(3);
  });
});
