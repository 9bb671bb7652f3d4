import { describe, expect, it } from 'vitest';
import type { Artifact } from './artifact.js';
import type { Dataset } from './data/dataset.js';
import { EaseRecommender } from './ease.js';
import { csrFromTriples } from './linalg/csr.js';
import { PopularityRecommender } from './popularity.js';
import { NO_PARTNER, Ranker } from './ranker.js';
import { createRng } from './rng.js';

const csr = (rows: number, cols: number, cells: readonly (readonly [number, number, number])[]) =>
  csrFromTriples(
    rows,
    cols,
    Int32Array.from(cells.map((c) => c[0])),
    Int32Array.from(cells.map((c) => c[1])),
    Float32Array.from(cells.map((c) => c[2])),
  );

// Shows: s0..s3 on hulu, s4 on youtube only, s5 on appletv only; s3 has no genre. Viewers: a (hulu+youtube, mostly
// youtube), b (hulu+youtube, mostly hulu), c (accounts only: appletv, no history), d (hulu and youtube, as much of
// each), g (history, no partner account at all). Everyone else watches s0 and s1 together.
const partners = ['hulu', 'youtube', 'appletv'];
const showIds = ['s0', 's1', 's2', 's3', 's4', 's5'];
const viewerIds = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
const watches: [number, number, number][] = [
  [0, 0, 1],
  [0, 4, 1],
  [1, 2, 1],
  [3, 0, 1],
  [3, 1, 1],
  [3, 4, 1],
  [4, 0, 1],
  [4, 1, 1],
  [4, 5, 1],
  [5, 0, 1],
  [5, 1, 1],
  [5, 3, 1],
  [6, 0, 1],
  [6, 1, 1],
];

async function makeRanker(isExcludingWatched = true, hasCatalog = true): Promise<Ranker> {
  const interactions = csr(7, 6, watches);
  const dataset: Dataset = {
    viewerIds,
    showIds,
    partnerIds: partners,
    shows: showIds.map((id, j) => ({ title: `Title ${id}`, genre: j === 3 ? '' : `g${j % 2}`, brand: `brand${j}` })),
    interactions,
    viewerPartners: csr(7, 3, [
      [0, 0, 100],
      [0, 1, 5000],
      [1, 0, 10],
      [1, 1, 5],
      [2, 2, 0],
      [3, 0, 1],
      [3, 1, 1],
      [4, 0, 1],
      [5, 0, 1],
    ]),
    // Without a catalog no show has a known carrier.
    showPartners: hasCatalog
      ? csr(6, 3, [
          [0, 0, 1],
          [0, 1, 1],
          [1, 0, 1],
          [1, 1, 1],
          [2, 0, 1],
          [3, 0, 1],
          [4, 1, 1],
          [5, 2, 1],
        ])
      : csr(6, 3, []),
    hasCatalog,
  };
  const model = new EaseRecommender({ lambda: 0.2, dropout: 0 });
  await model.fit(interactions, createRng(1));
  const popularity = new PopularityRecommender();
  await popularity.fit(interactions, createRng(1));
  const artifact: Artifact = {
    dataset,
    model: model.state(),
    popularity: popularity.state(),
    k: 10,
    isExcludingWatched,
    metrics: {},
  };
  return new Ranker(artifact);
}

describe('Ranker', () => {
  it('never offers a show without a partner to watch it on', async () => {
    let checked = 0;
    for (const hasCatalog of [true, false]) {
      const ranker = await makeRanker(true, hasCatalog);
      for (const viewerId of [...viewerIds, 'unknown-viewer']) {
        for (const rec of ranker.recommend({ viewerId })) {
          expect(rec.partner).toMatch(/^[a-z0-9]{1,32}$/);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
    // Without a catalog, a viewer nobody knows has no partner at all: no list rather than one the writer drops.
    expect((await makeRanker(true, false)).recommend({ viewerId: 'unknown-viewer' })).toEqual([]);
    // Without a catalog, a known viewer's shows go to their most-watched partner.
    const known = (await makeRanker(true, false)).recommend({ viewerId: 'a' });
    expect(known.length).toBeGreaterThan(0);
    expect(known.every((rec) => rec.partner === 'youtube')).toBe(true);
  });

  it('leaves out watched shows and shows none of the viewer’s partners carry', async () => {
    const ranker = await makeRanker();
    const ids = ranker.recommend({ viewerId: 'a' }).map((r) => r.showId);
    expect(ids).not.toContain('s0');
    expect(ids).not.toContain('s4');
    expect(ids).not.toContain('s5'); // appletv only
    expect(ids[0]).toBe('s1'); // co-watched with s0 by everyone
  });

  it('keeps watched shows when exclude_watched is off', async () => {
    const ranker = await makeRanker(false);
    expect(ranker.recommend({ viewerId: 'a' }).map((r) => r.showId)).toContain('s0');
  });

  it('labels each show with the viewer’s most-watched partner that carries it, else any carrying partner', async () => {
    const ranker = await makeRanker();
    const recs = ranker.recommend({ viewerId: 'a' });
    expect(recs.find((r) => r.showId === 's1')?.partner).toBe('youtube'); // hulu and youtube carry it; a watches youtube most
    expect(recs.find((r) => r.showId === 's2')?.partner).toBe('hulu'); // only hulu carries it
  });

  it('explains a show by the watched show contributing most', async () => {
    const ranker = await makeRanker();
    const s1 = ranker.recommend({ viewerId: 'a' }).find((r) => r.showId === 's1');
    expect(s1).toMatchObject({
      reason: 'Because you watched Title s0',
      brand: 'brand1',
      title: 'Title s1',
      genre: 'g1',
    });
  });

  it('gives a viewer without history popularity restricted to their partners', async () => {
    const ranker = await makeRanker();
    const recs = ranker.recommend({ viewerId: 'c' });
    expect(recs.map((r) => r.showId)).toEqual(['s5']);
    expect(recs[0]).toMatchObject({ partner: 'appletv', reason: 'Popular in g1' });
    // Popularity's score (one viewer watched s5), not the personal model's score for an empty history (0).
    expect(recs[0]?.score).toBe(1);
  });

  it('offers a viewer with history but no partner account any show some partner carries, on that partner', async () => {
    const recs = (await makeRanker()).recommend({ viewerId: 'g' });
    expect(recs.map((r) => [r.showId, r.partner])).toEqual([
      ['s4', 'youtube'],
      ['s3', 'hulu'], // ties s5 on score: the lower show index first
      ['s5', 'appletv'],
      ['s2', 'hulu'],
    ]);
    expect(recs[0]?.reason).toBe('Because you watched Title s0');
  });

  it('explains a popular show without a genre as popular now', async () => {
    const recs = (await makeRanker()).recommend({ viewerId: 'nobody', k: 6 });
    expect(recs.map((r) => r.showId)).toEqual(['s0', 's1', 's4', 's2', 's3', 's5']);
    expect(recs.find((r) => r.showId === 's3')?.reason).toBe('Popular now');
  });

  it('gives an unknown viewer global popularity', async () => {
    const ranker = await makeRanker();
    const ids = ranker.recommend({ viewerId: 'nobody', k: 3 }).map((r) => r.showId);
    expect(ids).toEqual(['s0', 's1', 's4']);
  });

  it('restricts to the request’s partner when one is given', async () => {
    const ranker = await makeRanker();
    const recs = ranker.recommend({ viewerId: 'b', partner: 'youtube' });
    expect(recs.every((r) => r.partner === 'youtube')).toBe(true);
    expect(recs.map((r) => r.showId)).toEqual(expect.arrayContaining(['s0', 's1', 's4']));
    expect(ranker.recommend({ viewerId: 'b', partner: 'netflix' })).toEqual([]);
    // serve.ts ranks by these indices: an unknown partner must resolve to nothing, not to some partner index.
    expect(ranker.resolve({ viewerId: 'b', partner: 'netflix' })).toBeUndefined();
    expect(ranker.resolve({ viewerId: 'b', partner: 'youtube' })).toEqual({ viewer: 1, partner: 1 });
    expect(ranker.resolve({ viewerId: 'nobody' })).toEqual({ viewer: -1, partner: NO_PARTNER });
  });

  describe('without a catalog (no show has a known carrier)', () => {
    const labels = async (request: { viewerId: string; partner?: string }) => {
      const recs = (await makeRanker(true, false)).recommend(request);
      expect(recs.length).toBeGreaterThan(0);
      return [...new Set(recs.map((r) => r.partner))];
    };

    it('offers every show on the request’s partner when one is given', async () => {
      expect(await labels({ viewerId: 'a', partner: 'hulu' })).toEqual(['hulu']); // a watches youtube most
      expect(await labels({ viewerId: 'nobody', partner: 'hulu' })).toEqual(['hulu']);
    });

    it('offers every show on the viewer’s most-watched partner, the lower partner index on a tie', async () => {
      expect(await labels({ viewerId: 'a' })).toEqual(['youtube']); // hulu 100 s, youtube 5,000 s
      expect(await labels({ viewerId: 'b' })).toEqual(['hulu']); // hulu 10 s, youtube 5 s
      expect(await labels({ viewerId: 'd' })).toEqual(['hulu']); // 1 s on each
      expect(await labels({ viewerId: 'c' })).toEqual(['appletv']); // an account never watched: 0 s
    });

    it('offers nothing to a viewer with no partner account', async () => {
      expect((await makeRanker(true, false)).recommend({ viewerId: 'g' })).toEqual([]);
    });
  });
});
