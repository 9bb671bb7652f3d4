import { describe, expect, it, vi } from 'vitest';
import { parseHyperparameters } from './hyperparameters.js';
import { createModel, resolveModelName, restoreModel } from './models.js';
import { modelNames } from './recommender.js';
import { createRng } from './rng.js';
import { makeInteractions } from './testing/fixtures.js';

// An 8-vCPU host, so the default's cap of 2 threads (the training instance's vCPUs) shows.
vi.mock('node:os', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:os')>()),
  availableParallelism: () => 8,
}));

describe('resolveModelName', () => {
  it('picks EASE up to ease_max_items shows inclusive and iALS beyond', () => {
    expect(resolveModelName('auto', 4000, 4000)).toBe('ease');
    expect(resolveModelName('auto', 3999, 4000)).toBe('ease');
    expect(resolveModelName('auto', 4001, 4000)).toBe('ials');
  });

  it('keeps a model asked for by name, whatever the catalog size', () => {
    expect(resolveModelName('ials', 10, 4000)).toBe('ials');
    expect(resolveModelName('ease', 10_000, 4000)).toBe('ease');
    expect(resolveModelName('popularity', 10, 4000)).toBe('popularity');
  });
});

describe('createModel and restoreModel', () => {
  // Under 512 shows EASE, and under 200,000 interactions iALS, fit on the calling thread: no worker starts here.
  const x = makeInteractions({ viewers: 40, shows: 12, seed: 5 });
  const hp = parseHyperparameters({ ials_factors: '4', ials_iterations: '3', threads: '1' });

  it.each(modelNames)('builds a %s model, and rebuilds it from its state with the same rankings', async (name) => {
    const model = createModel(name, hp);
    expect(model.name).toBe(name);
    await model.fit(x, createRng(1));

    const restored = restoreModel(model.state(), x);

    expect(restored.name).toBe(name);
    for (const viewer of [0, 13, 39]) {
      const before = model.recommend(viewer, 5);
      const after = restored.recommend(viewer, 5);
      expect([...after.items]).toEqual([...before.items]);
      expect([...after.scores]).toEqual([...before.scores]);
    }
  });

  it.each(['ease', 'ials'] as const)(
    'gives %s the threads hyperparameter, else 2 threads even on a larger host',
    async (name) => {
      const pinned = createModel(name, hp);
      await pinned.fit(x, createRng(1));
      expect(pinned.fitThreads?.requested).toBe(1);

      const byDefault = createModel(name, { ...hp, threads: undefined });
      await byDefault.fit(x, createRng(1));
      expect(byDefault.fitThreads?.requested).toBe(2);
    },
  );
});
