import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

const uints = (seed: number, count: number): number[] => {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => rng.next() * 4294967296);
};

describe('createRng', () => {
  it('produces the sfc32 stream seeded through splitmix32 (values from an independent Python implementation)', () => {
    // Pinned because splits, iALS initialisation and the recorded metrics all follow from this stream: a changed
    // constant or warm-up count would still look random, but no earlier run could be reproduced from its seed.
    expect(uints(0, 4)).toEqual([4205396811, 3543653536, 1222415357, 3047368389]);
    expect(uints(42, 4)).toEqual([1028872839, 2516511472, 400437680, 853279530]);
    // Seeds are taken as unsigned 32-bit: -1 is 0xffffffff.
    expect(uints(-1, 4)).toEqual([1413747962, 91561161, 3282502067, 2190738929]);
  });

  it('gives the same stream for the same seed and unrelated streams for nearby seeds', () => {
    expect(uints(7, 50)).toEqual(uints(7, 50));
    const a = uints(7, 50);
    const b = uints(8, 50);
    expect(a.filter((x, i) => x === b[i])).toEqual([]);
  });

  it('keeps next() in [0, 1) and int(n) an integer in [0, n), reaching every value', () => {
    const rng = createRng(3);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 7000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      const j = rng.int(7);
      expect(Number.isInteger(j) && j >= 0 && j < 7).toBe(true);
      counts[j] = (counts[j] as number) + 1;
    }
    // Uniform: 1,000 expected each; a fixed seed makes the bound exact, not flaky.
    for (const c of counts) expect(c).toBeGreaterThan(850);
    expect(createRng(3).int(1)).toBe(0);
  });
});
