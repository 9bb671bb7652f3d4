import { describe, expect, it } from 'vitest';
import { prefetch, readLines } from './lines.js';

async function collect(chunks: string[], maxLineChars = 100) {
  async function* body() {
    for (const chunk of chunks) yield new TextEncoder().encode(chunk);
  }
  const lines = [];
  for await (const line of readLines(body(), maxLineChars)) lines.push(line);
  return lines;
}

describe('readLines', () => {
  it('splits across chunk boundaries, numbers lines and drops carriage returns', async () => {
    const lines = await collect(['a\r\nbb', 'b\n', '\nlast']);

    expect(lines.map((l) => [l.lineNumber, l.text])).toEqual([
      [1, 'a'],
      [2, 'bbb'],
      [3, ''],
      [4, 'last'],
    ]);
  });

  it('decodes multi-byte characters split between chunks', async () => {
    const bytes = new TextEncoder().encode('é\n');
    async function* body() {
      yield bytes.slice(0, 1);
      yield bytes.slice(1);
    }
    const lines = [];
    for await (const line of readLines(body(), 10)) lines.push(line.text);

    expect(lines).toEqual(['é']);
  });

  it('flags an over-long line and keeps counting after it', async () => {
    const lines = await collect(['ok\n', 'x'.repeat(30), 'x'.repeat(30), '\nnext\n'], 40);

    expect(lines.map((l) => [l.lineNumber, l.isTooLong, l.text])).toEqual([
      [1, false, 'ok'],
      [2, true, ''],
      [3, false, 'next'],
    ]);
  });
});

describe('prefetch', () => {
  it('passes every chunk through in order and reads at most the bound ahead', async () => {
    // Prepare: a source that records how far it has been pulled.
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 50; i++) {
        pulled++;
        yield new Uint8Array([i]);
      }
    }

    // Act
    const seen: number[] = [];
    let maxAhead = 0;
    for await (const chunk of prefetch(source(), 5)) {
      seen.push(chunk[0] ?? -1);
      await new Promise((resolve) => setTimeout(resolve, 0));
      maxAhead = Math.max(maxAhead, pulled - seen.length);
    }

    // Assess
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(maxAhead).toBeLessThanOrEqual(6);
    expect(maxAhead).toBeGreaterThan(1);
  });

  it('rethrows a source failure after the chunks before it', async () => {
    async function* source() {
      yield new Uint8Array([1]);
      throw new Error('connection reset');
    }
    const seen: number[] = [];

    const consume = async () => {
      for await (const chunk of prefetch(source(), 100)) seen.push(chunk[0] ?? -1);
    };

    await expect(consume()).rejects.toThrow('connection reset');
    expect(seen).toEqual([1]);
  });
});
