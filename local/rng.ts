/**
 * mulberry32: a tiny, fast, seeded PRNG for the local sample generators and the tests' fault injection, so a sample
 * is the same on every machine and a failing run can be replayed. (The model has its own, model/rng.ts: the container
 * imports nothing from local/, and changing either generator would change every sample drawn from it.)
 */
export function makeRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
