import type { Artifact } from '../artifact.js';
import type { ShowInfo } from '../data/dataset.js';
import { type Csr, csrFromTriples } from '../linalg/csr.js';
import { createRng } from '../rng.js';

export interface ServingArtifactOptions {
  readonly viewers: number;
  readonly shows: number;
  readonly factors?: number;
  /** Shows each viewer watched (history the ranker excludes and explains from). */
  readonly perViewer?: number;
  readonly partners?: readonly string[];
  readonly seed: number;
}

export const viewerIdOf = (u: number): string => `viewer-${String(u).padStart(9, '0')}`;

// Real catalog titles run to a few dozen characters; answers carry them twice (title and reason).
const WORDS = ['Night', 'Harbor', 'Kitchen', 'Chronicles', 'Of', 'The', 'Lost', 'Valley', 'Files', 'Season', 'Academy'];

/** A count × partners CSR in which row r holds partners r and r + secondOffset (mod partners), entry t valued value(t). */
function twoPartnersEach(count: number, partners: number, secondOffset: number, value: (t: number) => number): Csr {
  const rows = new Int32Array(count * 2);
  const cols = new Int32Array(count * 2);
  for (let r = 0; r < count; r++) {
    rows[2 * r] = r;
    rows[2 * r + 1] = r;
    cols[2 * r] = r % partners;
    cols[2 * r + 1] = (r + secondOffset) % partners;
  }
  return csrFromTriples(
    count,
    partners,
    rows,
    cols,
    Float32Array.from(rows, (_, t) => value(t)),
  );
}

/**
 * An iALS serving artifact of the given size, with random factors instead of trained ones: what serving costs
 * (f·shows multiply-adds per viewer, the top-k pass, explanations over the viewer's history) does not depend on the
 * factors' values, and building it takes seconds instead of a training run. Every viewer has a history, partners and a
 * catalog, so each answer takes the full path. Bench and tests share it.
 */
export function makeServingArtifact(o: ServingArtifactOptions): Artifact {
  const f = o.factors ?? 64;
  const perViewer = Math.min(o.perViewer ?? 20, o.shows);
  const partnerIds = [...(o.partners ?? ['hulu', 'youtube', 'appletv', 'own'])];
  const rng = createRng(o.seed);
  const rows = new Int32Array(o.viewers * perViewer);
  const cols = new Int32Array(o.viewers * perViewer);
  for (let u = 0, t = 0; u < o.viewers; u++) {
    const start = rng.int(o.shows);
    for (let i = 0; i < perViewer; i++, t++) {
      rows[t] = u;
      cols[t] = (start + i * 7) % o.shows;
    }
  }
  const interactions = csrFromTriples(o.viewers, o.shows, rows, cols, new Float32Array(rows.length).fill(1));
  // Viewer-partner entries are watch seconds (600, 1200 or 1800); show-partner entries only mark availability.
  const viewerPartners = twoPartnersEach(o.viewers, partnerIds.length, 1, (t) => 600 * (1 + (t % 3)));
  const showPartners = twoPartnersEach(o.shows, partnerIds.length, 2, () => 1);
  const shows: ShowInfo[] = Array.from({ length: o.shows }, (_, j) => ({
    title: `${WORDS[j % WORDS.length]} ${WORDS[(j * 3 + 1) % WORDS.length]} ${WORDS[(j * 7 + 2) % WORDS.length]} ${j}`,
    genre: ['Drama', 'Comedy', 'Documentary', 'Kids', 'Reality'][j % 5] as string,
    brand: ['ABC', 'FX', 'Nat Geo', 'Freeform'][j % 4] as string,
  }));
  const random = (n: number) => Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 0.2);
  const counts = new Float32Array(o.shows);
  for (let p = 0; p < cols.length; p++) counts[cols[p]]++;
  return {
    dataset: {
      viewerIds: Array.from({ length: o.viewers }, (_, u) => viewerIdOf(u)),
      showIds: Array.from({ length: o.shows }, (_, j) => `show-${String(j).padStart(6, '0')}`),
      partnerIds,
      shows,
      interactions,
      viewerPartners,
      showPartners,
      hasCatalog: true,
    },
    model: {
      name: 'ials',
      params: { factors: f, iterations: 0, regularization: 0, alpha: 1, cgSteps: 0 },
      arrays: { userFactors: random(o.viewers * f), itemFactors: random(o.shows * f) },
    },
    popularity: { name: 'popularity', params: {}, arrays: { counts } },
    k: 10,
    isExcludingWatched: true,
    metrics: {},
  };
}
