import { type Csr, csrFromTriples } from '../linalg/csr.js';
import type { Rng } from '../rng.js';

/** Held-out items per viewer row; `missing` counts relevant items the item index does not know (always misses). */
export interface TestSet {
  readonly viewers: Int32Array;
  readonly items: readonly Int32Array[];
  readonly missing: Int32Array;
}

/**
 * The REFERENCE.md split applied to a matrix: for each viewer with at least `minItems` shows, a seeded random
 * `fraction` of them (at least one) is held out; the rest stays in training. Viewers are visited in row order and
 * draw from one rng, so a seed fixes the split.
 */
export function holdOut(x: Csr, fraction: number, rng: Rng, minItems = 5): { train: Csr; test: TestSet } {
  // Typed buffers sized for the whole matrix (not number[]), so a split of 10M interactions stays ~12 B each.
  const total = x.indptr[x.rows];
  const keepRows = new Int32Array(total);
  const keepCols = new Int32Array(total);
  const keepVals = new Float32Array(total);
  let kept = 0;
  const viewers: number[] = [];
  const items: Int32Array[] = [];
  for (let u = 0; u < x.rows; u++) {
    const start = x.indptr[u];
    const count = x.indptr[u + 1] - start;
    const held = new Uint8Array(count);
    if (count >= minItems && fraction > 0) {
      const take = Math.max(1, Math.round(count * fraction));
      const order = Array.from({ length: count }, (_, i) => i);
      for (let i = 0; i < take; i++) {
        const j = i + rng.int(count - i);
        const tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
        held[order[i]] = 1;
      }
      const heldItems = new Int32Array(take);
      let h = 0;
      for (let i = 0; i < count; i++) if (held[i]) heldItems[h++] = x.indices[start + i];
      viewers.push(u);
      items.push(heldItems);
    }
    for (let i = 0; i < count; i++) {
      if (held[i]) continue;
      keepRows[kept] = u;
      keepCols[kept] = x.indices[start + i];
      keepVals[kept] = x.data[start + i];
      kept++;
    }
  }
  const train = csrFromTriples(
    x.rows,
    x.cols,
    keepRows.subarray(0, kept),
    keepCols.subarray(0, kept),
    keepVals.subarray(0, kept),
  );
  return { train, test: { viewers: Int32Array.from(viewers), items, missing: new Int32Array(viewers.length) } };
}
