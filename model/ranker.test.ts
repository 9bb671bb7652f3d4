import { describe, expect, it } from 'vitest';
import type { Artifact } from './artifact.js';
import type { Dataset } from './data/dataset.js';
import { EaseRecommender } from './ease.js';
import { csrFromTriples } from './linalg/csr.js';
import { PopularityRecommender } from './popularity.js';
import { Ranker } from './ranker.js';
import { createRng } from './rng.js';

const csr = (rows: number, cols: number, cells: readonly (readonly [number, number, number])[]) =>
  csrFromTriples(
    rows,
    cols,
    Int32Array.from(cells.map((c) => c[0])),
    Int32Array.from(cells.map((c) => c[1])),
    Float32Array.from(cells.map((c) => c[2])),
  );

// Shows: s0..s3 on hulu, s4 on youtube only, s5 on appletv only. Viewers: a (hulu+youtube, mostly youtube),
// b (hulu only), c (accounts only: appletv, no history). Everyone else watches s0 and s1 together.
const partners = ['hulu', 'youtube', 'appletv'];
const showIds = ['s0', 's1', 's2', 's3', 's4', 's5'];
const viewerIds = ['a', 'b', 'c', 'd', 'e', 'f'];
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
];

async function makeRanker(isExcludingWatched = true, hasCatalog = true): Promise<Ranker> {
  const interactions = csr(6, 6, watches);
  const dataset: Dataset = {
    viewerIds,
    showIds,
    partnerIds: partners,
    shows: showIds.map((id, j) => ({ title: `Title ${id}`, genre: `g${j % 2}`, brand: `brand${j}` })),
    interactions,
    viewerPartners: csr(6, 3, [
      [0, 0, 100],
      [0, 1, 5000],
      [1, 0, 10],
      [2, 2, 0],
      [3, 0, 1],
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
  });
});
