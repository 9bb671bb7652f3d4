import { describe, expect, it } from 'vitest';
import { type Csr, csrFromTriples } from '../linalg/csr.js';
import { createRng } from '../rng.js';
import { holdOut } from './split.js';

/** Viewer u watched shows 0 … counts[u] − 1, each with confidence 10·u + show (so a value tells its cell). */
function rows(counts: number[]): Csr {
  const cells = counts.flatMap((count, u) => Array.from({ length: count }, (_, c) => [u, c] as const));
  return csrFromTriples(
    counts.length,
    Math.max(...counts),
    Int32Array.from(cells.map(([u]) => u)),
    Int32Array.from(cells.map(([, c]) => c)),
    Float32Array.from(cells.map(([u, c]) => 10 * u + c)),
  );
}

const rowOf = (x: Csr, u: number) => {
  const cells: [number, number][] = [];
  for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) cells.push([x.indices[p], x.data[p]]);
  return cells;
};

describe('holdOut (REFERENCE.md split)', () => {
  it('holds out only viewers with at least minItems shows, round(count × fraction) of them and at least one', () => {
    // Prepare: 4 shows (below minItems 5), exactly 5, and 10.
    const x = rows([4, 5, 10]);

    // Act: 5 × 0.2 = 1 show, 10 × 0.2 = 2 shows.
    const { train, test } = holdOut(x, 0.2, createRng(1), 5);

    // Assess
    expect(Array.from(test.viewers)).toEqual([1, 2]);
    expect(test.items.map((items) => items.length)).toEqual([1, 2]);
    expect(Array.from(test.missing)).toEqual([0, 0]);
    expect(rowOf(train, 0)).toEqual(rowOf(x, 0));
    // A fraction that rounds to none still holds one show out.
    expect(holdOut(x, 0.05, createRng(1), 5).test.items.map((items) => items.length)).toEqual([1, 1]);
  });

  it('splits each row into held-out and kept shows without losing, repeating or changing a cell', () => {
    const x = rows([6, 9, 12, 7]);
    const { train, test } = holdOut(x, 0.4, createRng(3), 5);
    for (let t = 0; t < test.viewers.length; t++) {
      const u = test.viewers[t];
      const held = Array.from(test.items[t]);
      const kept = rowOf(train, u);
      expect(new Set(held).size).toBe(held.length);
      expect([...held, ...kept.map(([show]) => show)].sort((a, b) => a - b)).toEqual(rowOf(x, u).map(([show]) => show));
      // Kept cells carry their own confidence.
      for (const [show, value] of kept) expect(value).toBe(10 * u + show);
    }
  });

  it('holds nothing out with fraction 0, and the same seed gives the same split', () => {
    const x = rows([6, 9]);
    const none = holdOut(x, 0, createRng(1), 5);
    expect(none.test.viewers).toHaveLength(0);
    expect(Array.from(none.train.indices)).toEqual(Array.from(x.indices));
    const a = holdOut(x, 0.5, createRng(9), 5).test.items.map((items) => Array.from(items));
    const b = holdOut(x, 0.5, createRng(9), 5).test.items.map((items) => Array.from(items));
    expect(a).toEqual(b);
  });
});
