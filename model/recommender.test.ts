import { describe, expect, it } from 'vitest';
import { EaseRecommender } from './ease.js';
import { evaluateRanking } from './eval/evaluate.js';
import { holdOut } from './eval/split.js';
import { IalsRecommender } from './ials.js';
import { type Csr, csrFromTriples } from './linalg/csr.js';
import { PopularityRecommender } from './popularity.js';
import type { Recommender } from './recommender.js';
import { createRng } from './rng.js';
import { makeInteractions } from './testing/fixtures.js';

/** Builds a binary viewers × shows matrix from per-viewer show lists. */
function matrix(rows: readonly (readonly number[])[], shows: number): Csr {
  const r = rows.flatMap((items, u) => items.map(() => u));
  const c = rows.flat();
  return csrFromTriples(rows.length, shows, Int32Array.from(r), Int32Array.from(c), new Float32Array(c.length).fill(1));
}

// Shows 0 and 1 always go together; 2 and 3 always go together; show 4 is watched by everyone else.
const pairs = matrix(
  [
    [0, 1, 4],
    [0, 1],
    [0, 1, 4],
    [2, 3, 4],
    [2, 3],
    [2, 3, 4],
    [4],
    [0], // watched 0 only: the obvious next show is 1
    [3], // watched 3 only: the obvious next show is 2
  ],
  5,
);

function describeRecommender(name: string, make: () => Recommender, options: { isPersonal: boolean }): void {
  describe(`${name} recommender`, () => {
    it('never returns an excluded show and returns at most k', async () => {
      const model = make();
      await model.fit(pairs, createRng(1));
      const ranked = model.recommend(7, 2, (item) => item === 0 || item === 4);
      expect(ranked.items.length).toBeLessThanOrEqual(2);
      expect([...ranked.items]).not.toContain(0);
      expect([...ranked.items]).not.toContain(4);
      expect([...ranked.scores]).toEqual([...ranked.scores].sort((a, b) => b - a));
    });

    it('gives the same ranking for the same seed', async () => {
      const x = makeInteractions({ viewers: 60, shows: 20, seed: 3 });
      const a = make();
      const b = make();
      await a.fit(x, createRng(9));
      await b.fit(x, createRng(9));
      for (const u of [0, 17, 59]) expect([...a.recommend(u, 5).items]).toEqual([...b.recommend(u, 5).items]);
    });

    it('survives a save/restore of its state', async () => {
      const model = make();
      await model.fit(pairs, createRng(1));
      const state = model.state();
      expect(state.name).toBe(model.name);
      for (const a of Object.values(state.arrays)) expect(a.every((v) => Number.isFinite(v))).toBe(true);
    });

    if (options.isPersonal) {
      it('ranks the obviously right show first on a hand-checkable matrix', async () => {
        const model = make();
        await model.fit(pairs, createRng(1));
        const watched = (u: number) => (item: number) =>
          pairs.indices.slice(pairs.indptr[u], pairs.indptr[u + 1]).includes(item);
        expect(model.recommend(7, 1, watched(7)).items[0]).toBe(1);
        expect(model.recommend(8, 1, watched(8)).items[0]).toBe(2);
        expect(model.explain(7, 1)).toBe(0);
      });

      it('beats popularity on planted taste groups', async () => {
        const x = makeInteractions({ viewers: 300, shows: 60, groups: 5, perViewer: 10, seed: 11 });
        const { train, test } = holdOut(x, 0.2, createRng(2));
        const model = make();
        await model.fit(train, createRng(1));
        const popularity = new PopularityRecommender();
        await popularity.fit(train, createRng(1));
        const quality = evaluateRanking(model, train, test, 10);
        const baseline = evaluateRanking(popularity, train, test, 10);
        expect(quality.ndcg).toBeGreaterThan(1.5 * baseline.ndcg);
      });
    } else {
      it('ranks the most-watched unseen show first', async () => {
        const model = make();
        await model.fit(pairs, createRng(1));
        expect(model.recommend(7, 1).items[0]).toBe(4);
        expect(model.explain(7, 4)).toBe(-1);
      });
    }
  });
}

describeRecommender('EASE', () => new EaseRecommender({ lambda: 0.5, dropout: 0.25 }), { isPersonal: true });
describeRecommender(
  'iALS',
  () => new IalsRecommender({ factors: 8, iterations: 10, regularization: 0.05, alpha: 2, cgSteps: 3, threads: 1 }),
  { isPersonal: true },
);
describeRecommender('popularity', () => new PopularityRecommender(), { isPersonal: false });
