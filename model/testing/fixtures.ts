import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Csr, csrFromTriples } from '../linalg/csr.js';
import { createRng } from '../rng.js';

export interface PlantedOptions {
  readonly viewers: number;
  readonly shows: number;
  /** Taste groups: viewer u likes shows of group u % groups; shows are split evenly across groups. */
  readonly groups?: number;
  /** Shows each viewer watches. */
  readonly perViewer?: number;
  /** Share of a viewer's shows drawn from any group (noise). */
  readonly noise?: number;
  readonly seed: number;
}

/**
 * Interactions with planted structure: viewers fall in taste groups and mostly watch their group's shows, so a
 * personalised model must beat popularity. Generated from a seed; tests and benches share it.
 */
export function makeInteractions(o: PlantedOptions): Csr {
  const groups = o.groups ?? 4;
  const perViewer = Math.min(o.perViewer ?? 8, Math.floor(o.shows / groups));
  const noise = o.noise ?? 0.1;
  const rng = createRng(o.seed);
  const groupSize = Math.floor(o.shows / groups);
  const rows = new Int32Array(o.viewers * perViewer);
  const cols = new Int32Array(o.viewers * perViewer);
  let t = 0;
  for (let u = 0; u < o.viewers; u++) {
    const g = u % groups;
    const seen = new Set<number>();
    while (seen.size < perViewer) {
      // Within a group, lower-numbered shows are more popular (a skewed draw), as in real catalogs.
      const show = rng.next() < noise ? rng.int(o.shows) : g * groupSize + Math.floor(groupSize * rng.next() ** 2);
      seen.add(show);
    }
    for (const show of seen) {
      rows[t] = u;
      cols[t] = show;
      t++;
    }
  }
  return csrFromTriples(o.viewers, o.shows, rows, cols, new Float32Array(rows.length).fill(1));
}

/** Writes `viewership`, `catalog` and `accounts` channels (JSON Lines parts) for makeInteractions data under root. */
export async function writeChannels(
  root: string,
  x: Csr,
  options: { partners?: readonly string[]; hyperparameters?: Record<string, string> } = {},
): Promise<void> {
  const partners = options.partners ?? ['hulu', 'youtube'];
  const data = join(root, 'input', 'data');
  const viewership: string[] = [];
  for (let u = 0; u < x.rows; u++) {
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) {
      const partner = partners[(u + x.indices[p]) % partners.length];
      viewership.push(
        JSON.stringify({
          viewer_id: `v${u}`,
          show_id: `s${x.indices[p]}`,
          partner,
          watch_seconds: 600 * (1 + (p % 5)),
          view_count: 1 + (p % 3),
          last_watched_at: '2026-01-01 00:00:00',
        }),
      );
    }
  }
  const catalog: string[] = [];
  for (let j = 0; j < x.cols; j++) {
    for (const partner of partners) {
      catalog.push(
        JSON.stringify({ show_id: `s${j}`, title: `Show ${j}`, genre: `genre${j % 3}`, brand: 'abc', partner }),
      );
    }
  }
  const accounts: string[] = [];
  for (let u = 0; u < x.rows; u++)
    for (const partner of partners) accounts.push(JSON.stringify({ viewer_id: `v${u}`, partner }));
  for (const [channel, lines] of [
    ['viewership', viewership],
    ['catalog', catalog],
    ['accounts', accounts],
  ] as const) {
    await mkdir(join(data, channel), { recursive: true });
    const half = Math.ceil(lines.length / 2);
    await writeFile(join(data, channel, '0000_part_00.json'), `${lines.slice(0, half).join('\n')}\n`);
    await writeFile(join(data, channel, '0001_part_00.json'), `${lines.slice(half).join('\n')}\n`);
  }
  await mkdir(join(root, 'input', 'config'), { recursive: true });
  await writeFile(join(root, 'input', 'config', 'hyperparameters.json'), JSON.stringify(options.hyperparameters ?? {}));
}
