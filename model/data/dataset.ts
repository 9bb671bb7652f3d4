import { type Csr, csrFromTriples } from '../linalg/csr.js';
import type { OptMlPaths } from '../paths.js';
import { confidenceWeight } from '../weights.js';
import { AccountRow, CatalogRow, readChannel, ViewershipRow } from './channels.js';
import { IdIndex } from './ids.js';

export interface ShowInfo {
  readonly title: string;
  readonly genre: string;
  readonly brand: string;
}

/** Everything training and serving know about viewers, shows and partners, as dense indices and CSR matrices. */
export interface Dataset {
  readonly viewerIds: readonly string[];
  readonly showIds: readonly string[];
  readonly partnerIds: readonly string[];
  readonly shows: readonly ShowInfo[];
  /** viewers × shows confidence weights (weights.ts); viewers with only an account have empty rows. */
  readonly interactions: Csr;
  /** viewers × partners watch seconds; partners from `accounts` appear with 0 seconds. */
  readonly viewerPartners: Csr;
  /** shows × partners carrying them (value 1); empty when no catalog channel was given. */
  readonly showPartners: Csr;
  readonly hasCatalog: boolean;
}

/** Growable parallel arrays of COO triples, so 10M rows never become 10M objects. */
class Triples {
  rows = new Int32Array(1024);
  cols = new Int32Array(1024);
  vals = new Float32Array(1024);
  extra = new Float32Array(1024);
  length = 0;

  push(r: number, c: number, v: number, e = 0): void {
    if (this.length === this.rows.length) {
      const grow = <T extends Int32Array | Float32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.rows = grow(this.rows);
      this.cols = grow(this.cols);
      this.vals = grow(this.vals);
      this.extra = grow(this.extra);
    }
    this.rows[this.length] = r;
    this.cols[this.length] = c;
    this.vals[this.length] = v;
    this.extra[this.length] = e;
    this.length++;
  }

  csr(rows: number, cols: number, which: 'vals' | 'extra'): Csr {
    const n = this.length;
    return csrFromTriples(rows, cols, this.rows.subarray(0, n), this.cols.subarray(0, n), this[which].subarray(0, n));
  }
}

/**
 * Reads the `viewership`, `catalog` and `accounts` channels. A viewer × show cell sums its rows over partners
 * before weighting (weights.ts), so watching one show on two partners is one stronger signal, not two.
 */
export async function loadChannels(paths: OptMlPaths, weightAlpha: number): Promise<Dataset> {
  const viewers = new IdIndex();
  const shows = new IdIndex();
  const partners = new IdIndex();
  const views = new Triples();
  const usage = new Triples();
  await readChannel(paths.channel('viewership'), ViewershipRow, (row) => {
    const v = viewers.add(row.viewer_id);
    const p = partners.add(row.partner);
    views.push(v, shows.add(row.show_id), row.watch_seconds, row.view_count);
    usage.push(v, p, row.watch_seconds);
  });
  const info = new Map<string, ShowInfo>();
  const carriers = new Triples();
  const hasCatalog =
    (await readChannel(
      paths.channel('catalog'),
      CatalogRow,
      (row) => {
        const s = shows.get(row.show_id);
        if (s < 0) return; // never watched: no model can score it.
        carriers.push(s, partners.add(row.partner), 1);
        if (!info.has(row.show_id)) {
          info.set(row.show_id, { title: row.title ?? row.show_id, genre: row.genre ?? '', brand: row.brand ?? '' });
        }
      },
      true,
    )) > 0;
  await readChannel(
    paths.channel('accounts'),
    AccountRow,
    (row) => usage.push(viewers.add(row.viewer_id), partners.add(row.partner), 0),
    true,
  );
  const seconds = views.csr(viewers.size, shows.size, 'vals');
  const counts = views.csr(viewers.size, shows.size, 'extra');
  const weights = new Float32Array(seconds.data.length);
  for (let p = 0; p < weights.length; p++) weights[p] = confidenceWeight(seconds.data[p], counts.data[p], weightAlpha);
  return {
    viewerIds: viewers.ids,
    showIds: shows.ids,
    partnerIds: partners.ids,
    shows: shows.ids.map((id) => info.get(id) ?? { title: id, genre: '', brand: '' }),
    interactions: { ...seconds, data: weights },
    viewerPartners: usage.csr(viewers.size, partners.size, 'vals'),
    showPartners: carriers.csr(shows.size, partners.size, 'vals'),
    hasCatalog,
  };
}
