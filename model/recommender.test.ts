import { describe, expect, it } from 'vitest';
import { EaseRecommender } from './ease.js';
import { evaluateRanking } from './eval/evaluate.js';
import { holdOut } from './eval/split.js';
import { IalsRecommender } from './ials.js';
import { type Csr, csrFromTriples } from './linalg/csr.js';
import { PopularityRecommender } from './popularity.js';
import { mostContributingWatched, type Recommender, topK } from './recommender.js';
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

describe('topK', () => {
  const ranked = (scores: readonly number[], k: number, exclude?: (item: number) => boolean) => {
    const r = topK(Float32Array.from(scores), k, exclude);
    return { items: [...r.items], scores: [...r.scores] };
  };

  it('gives tied scores to the lower item index, also when the tie is for the last place', () => {
    expect(ranked([1, 3, 1, 3, 1], 3)).toEqual({ items: [1, 3, 0], scores: [3, 3, 1] });
    expect(ranked([3, 1, 1], 2)).toEqual({ items: [0, 1], scores: [3, 1] });
  });

  it('returns as many scores as items when fewer than k shows are left', () => {
    expect(ranked([0.5, 2, 1], 5, (item) => item === 1)).toEqual({ items: [2, 0], scores: [1, 0.5] });
    expect(ranked([1, 2], 3, () => true)).toEqual({ items: [], scores: [] });
  });

  it('skips NaN scores', () => {
    expect(ranked([Number.NaN, 1, Number.NaN, 2], 4)).toEqual({ items: [3, 1], scores: [2, 1] });
  });
});

describe('mostContributingWatched', () => {
  // Viewer 0 watched shows 2, 4 and 7; contributions are given per position in that row.
  const x = matrix([[2, 4, 7], [1]], 8);
  const explain = (contributions: readonly number[]) =>
    mostContributingWatched(x, 0, (p) => contributions[p - (x.indptr[0] as number)] as number);

  it('names the watched show contributing most, the first one on a tie', () => {
    expect(explain([0.1, 0.9, 0.3])).toBe(4);
    expect(explain([0.5, 0.2, 0.5])).toBe(2);
  });

  it('names none when no watched show contributes positively', () => {
    expect(explain([0, 0, 0])).toBe(-1);
    expect(explain([-1, -0.5, 0])).toBe(-1);
    expect(mostContributingWatched(x, 1, () => 0)).toBe(-1);
  });
});
