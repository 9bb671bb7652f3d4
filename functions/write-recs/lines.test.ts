import { describe, expect, it } from 'vitest';
import { readLines } from './lines.js';

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
