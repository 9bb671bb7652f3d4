import { describe, expect, it } from 'vitest';
import { type EaseOptions, EaseRecommender } from './ease.js';
import type { SpawnWorker } from './linalg/workers.js';
import { createRng } from './rng.js';
import { makeInteractions } from './testing/fixtures.js';
import { UNDER_MUTATION_RUN } from './testing/mutation-run.js';

const refuse: SpawnWorker = () => {
  throw new Error('ERR_WORKER_INIT_FAILED: out of threads');
};
const model = (precision: EaseOptions['precision'], spawnWorker?: SpawnWorker) =>
  new EaseRecommender({ lambda: 0.5, dropout: 0, threads: 2, precision, spawnWorker });
/** Shows just at the size where each inverse asks for its worker threads (sweep-parallel.ts, parallel-inverse.ts). */
const threadedShows = { float32: 512, float64: 256 } as const;

describe('EaseRecommender thread reporting', () => {
  it.each(['float32', 'float64'] as const)(
    'reports a worker start failure on a %s fit large enough for threads, and fits the same weights',
    async (precision) => {
      // Prepare
      const x = makeInteractions({ viewers: 600, shows: threadedShows[precision], seed: 3 });
      const [fallen, single] = [model(precision, refuse), new EaseRecommender({ lambda: 0.5, dropout: 0, precision })];

      // Act
      await fallen.fit(x, createRng(1));
      await single.fit(x, createRng(1));

      // Assess
      expect(fallen.fitThreads).toEqual({
        requested: 2,
        used: 1,
        fallbackError: 'ERR_WORKER_INIT_FAILED: out of threads',
      });
      expect(single.fitThreads).toEqual({ requested: 1, used: 1 });
      expect(fallen.weights.some((v) => v !== 0)).toBe(true);
      expect(fallen.weights).toEqual(single.weights);
    },
  );

  it.skipIf(UNDER_MUTATION_RUN)('reports the two threads a fit really ran on', async () => {
    const ease = model('float64');

    await ease.fit(makeInteractions({ viewers: 600, shows: threadedShows.float64, seed: 3 }), createRng(1));

    expect(ease.fitThreads).toEqual({ requested: 2, used: 2 });
  });

  it('runs a small catalog on one thread by design, which is not a fallback', async () => {
    const x = makeInteractions({ viewers: 100, shows: 40, seed: 3 });
    const fits = [model('float32', refuse), model('float64', refuse)];

    for (const ease of fits) await ease.fit(x, createRng(1));

    expect(fits.map((ease) => ease.fitThreads)).toEqual([
      { requested: 2, used: 1 },
      { requested: 2, used: 1 },
    ]);
  });
});
