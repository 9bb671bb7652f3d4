import { describe, expect, it } from 'vitest';
import { IalsRecommender, MIN_INTERACTIONS_FOR_THREADS } from './ials.js';
import type { SpawnWorker } from './linalg/workers.js';
import { createRng } from './rng.js';
import { makeInteractions } from './testing/fixtures.js';

const refuse: SpawnWorker = () => {
  throw new Error('ERR_WORKER_INIT_FAILED: out of threads');
};
const model = (spawnWorker?: SpawnWorker) =>
  new IalsRecommender({
    factors: 2,
    iterations: 1,
    regularization: 0.1,
    alpha: 2,
    cgSteps: 1,
    threads: 2,
    spawnWorker,
  });

describe('IalsRecommender thread reporting', () => {
  it('reports a worker start failure on a fit large enough for threads, and still fits', async () => {
    // Prepare: just enough interactions for the fit to ask for its worker threads.
    const x = makeInteractions({ viewers: MIN_INTERACTIONS_FOR_THREADS / 20, shows: 100, perViewer: 20, seed: 3 });
    expect(x.indptr[x.rows]).toBe(MIN_INTERACTIONS_FOR_THREADS);
    const ials = model(refuse);

    // Act
    await ials.fit(x, createRng(1));

    // Assess
    expect(ials.fitThreads).toEqual({
      requested: 2,
      used: 1,
      fallbackError: 'ERR_WORKER_INIT_FAILED: out of threads',
    });
    expect(ials.userFactors.some((v) => v !== 0)).toBe(true);
  });

  it('runs a small fit on one thread by design, which is not a fallback', async () => {
    const ials = model(refuse);

    await ials.fit(makeInteractions({ viewers: 50, shows: 20, seed: 3 }), createRng(1));

    expect(ials.fitThreads).toEqual({ requested: 2, used: 1 });
  });
});
