import type { PGlite } from '@electric-sql/pglite';
import { assignVariant, type Experiment } from '../functions/_shared/experiment.js';
import { makeRng } from './rng.js';
import { weeklyActivity } from './sample-activity.js';

/**
 * A realistic, seeded viewership sample: viewers with accounts on 1–3 partners joined by the identity map,
 * shows with genres and brands carried by some partners, long-tailed (Zipf) popularity, taste clusters a
 * model can learn (each cluster prefers two genres and a brand), and weeks of events with watch seconds.
 */

export const PARTNERS = ['hulu', 'youtube', 'appletv', 'own'] as const;
export type Partner = (typeof PARTNERS)[number];

const GENRES = ['drama', 'comedy', 'crime', 'documentary', 'reality', 'sci-fi', 'kids', 'sports', 'romance', 'anime'];
const BRANDS = ['Northlight', 'Bluebird', 'Harbor Street', 'Summit', 'Velvet Lane', 'Orbit'];
const TITLE_A = [
  'Silent',
  'Golden',
  'Broken',
  'Hidden',
  'Last',
  'Wild',
  'Northern',
  'Midnight',
  'Crimson',
  'Lucky',
  'Paper',
  'Electric',
];
const TITLE_B = [
  'Harbor',
  'Kingdom',
  'Files',
  'Kitchen',
  'Frontier',
  'Society',
  'Garden',
  'Signal',
  'Island',
  'Academy',
  'Road',
  'Hearts',
];
// How often each partner carries a show, and how often a viewer has an account there.
const CARRY_RATE: Record<Partner, number> = { hulu: 0.45, youtube: 0.35, appletv: 0.3, own: 0.6 };
const ACCOUNT_RATE: Record<Partner, number> = { hulu: 0.45, youtube: 0.55, appletv: 0.3, own: 0.5 };

export interface SampleOptions {
  viewers: number;
  shows: number;
  days: number;
  seed: number;
  /** Average events per viewer over the whole window. */
  eventsPerViewer?: number;
  /** End of the event window (exclusive); defaults to the start of today (UTC) so runs see recent data. */
  endDate?: Date;
  /**
   * A holdout experiment to plant (issue #18): viewers then watch in whole weeks, returning week to week with the
   * probabilities of sample-activity.ts, and treatment viewers return `simulateLift` more often once it started.
   */
  experiment?: Pick<Experiment, 'id' | 'start' | 'controlShare'>;
  /** Absolute lift of the weekly return probability for treatment viewers (0.05 = 5 points). */
  simulateLift?: number;
}

export interface Show {
  showId: string;
  title: string;
  genre: string;
  brand: string;
}
export interface Account {
  partner: Partner;
  partnerUserId: string;
  viewerId: string;
}
export interface ViewEvent {
  partner: Partner;
  partnerUserId: string;
  showId: string;
  startedAt: string;
  watchSeconds: number;
}

export interface SampleData {
  shows: Show[];
  availability: { showId: string; partner: Partner }[];
  accounts: Account[];
  events: ViewEvent[];
  /** viewerId → taste cluster (the planted structure; tests and benchmarks may read it). */
  clusters: Map<string, number>;
}

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

/** Draws an index from cumulative weights. */
function draw(rng: () => number, cumulative: Float64Array): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  const target = rng() * total;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] ?? 0) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function cumulate(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    sum += w;
    out[i] = sum;
  });
  return out;
}

const startOfTodayUtc = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
};

/** Generates the sample; the same options always give the same data. */
export function generateSample(options: SampleOptions): SampleData {
  const rng = makeRng(options.seed);
  const end = options.endDate ?? startOfTodayUtc();
  const windowMs = options.days * 86_400_000;
  const clusterCount = Math.max(2, Math.min(12, Math.round(Math.sqrt(options.shows) / 2)));

  const shows: Show[] = [];
  const availability: { showId: string; partner: Partner }[] = [];
  const carriers: Partner[][] = [];
  for (let i = 0; i < options.shows; i++) {
    const showId = `s${String(i + 1).padStart(4, '0')}`;
    const title = `${pick(rng, TITLE_A)} ${pick(rng, TITLE_B)}${i >= TITLE_A.length * TITLE_B.length ? ` ${Math.floor(i / 50) + 1}` : ''}`;
    shows.push({ showId, title, genre: pick(rng, GENRES), brand: pick(rng, BRANDS) });
    const carried = PARTNERS.filter((p) => rng() < CARRY_RATE[p]);
    if (carried.length === 0) carried.push(pick(rng, PARTNERS));
    carriers.push(carried);
    for (const partner of carried) availability.push({ showId, partner });
  }

  // Long tail: Zipf popularity over a shuffled order, so show ids carry no popularity signal.
  const popularity = shows.map(() => 0);
  const order = shows.map((_, i) => i).sort(() => rng() - 0.5);
  order.forEach((showIndex, rank) => {
    popularity[showIndex] = 1 / (rank + 1) ** 0.9;
  });

  // Each cluster prefers two genres and one brand; its weights multiply popularity.
  const clusterWeights: Float64Array[] = [];
  for (let c = 0; c < clusterCount; c++) {
    const genres = new Set([GENRES[(c * 2) % GENRES.length], GENRES[(c * 2 + 3) % GENRES.length]]);
    const brand = BRANDS[c % BRANDS.length];
    clusterWeights.push(
      cumulate(
        shows.map(
          (show, i) => (popularity[i] ?? 0) * (genres.has(show.genre) ? 12 : 0.4) * (show.brand === brand ? 2 : 1),
        ),
      ),
    );
  }

  const accounts: Account[] = [];
  const events: ViewEvent[] = [];
  const clusters = new Map<string, number>();
  const experimentPlan = options.experiment
    ? planExperiment(options.experiment, options.simulateLift ?? 0, end, windowMs)
    : undefined;
  const perViewer = options.eventsPerViewer ?? 12;
  for (let v = 0; v < options.viewers; v++) {
    const viewerId = `v${String(v + 1).padStart(6, '0')}`;
    const cluster = Math.floor(rng() * clusterCount);
    clusters.set(viewerId, cluster);
    let mine = PARTNERS.filter((p) => rng() < ACCOUNT_RATE[p]).slice(0, 3);
    if (mine.length === 0) mine = [pick(rng, PARTNERS)];
    const userIds = new Map<Partner, string>();
    for (const partner of mine) {
      const partnerUserId = `${partner.slice(0, 2)}-${Math.floor(rng() * 1e9).toString(36)}${v.toString(36)}`;
      userIds.set(partner, partnerUserId);
      accounts.push({ partner, partnerUserId, viewerId });
    }
    // Heavy and light viewers: a log-normal-ish count around the mean.
    const count = Math.max(1, Math.round(perViewer * Math.exp((rng() + rng() + rng() - 1.5) * 1.2) * 0.8));
    const weights = clusterWeights[cluster] as Float64Array;
    // Picks a show and a partner, then asks `startedAtMs` for the time (in that order: the sample stays the same
    // for a given seed whether or not an experiment is planted).
    const addEvent = (startedAtMs: () => number) => {
      // 80 % taste, 20 % anything popular: enough signal to learn, enough noise to need a model.
      const showIndex = rng() < 0.8 ? draw(rng, weights) : (order[Math.floor(rng() ** 3 * order.length)] ?? 0);
      const available = (carriers[showIndex] ?? []).filter((p) => userIds.has(p));
      if (available.length === 0) return false;
      const partner = pick(rng, available);
      const startedAt = new Date(startedAtMs());
      startedAt.setUTCMilliseconds(0);
      const episodeSeconds = 1200 + Math.floor(rng() * 2400);
      events.push({
        partner,
        partnerUserId: userIds.get(partner) as string,
        showId: (shows[showIndex] as Show).showId,
        startedAt: startedAt.toISOString().replace('T', ' ').replace('.000Z', ''),
        watchSeconds: Math.max(30, Math.round(episodeSeconds * (0.3 + 0.7 * rng()))),
      });
      return true;
    };
    if (experimentPlan) {
      const lift = experimentPlan.isTreatment(viewerId) ? experimentPlan.lift : 0;
      const active = weeklyActivity(rng, experimentPlan.weeks.length, (k) =>
        (experimentPlan.weeks[k]?.startMs ?? 0) >= experimentPlan.startMs ? lift : 0,
      );
      experimentPlan.weeks.forEach((week, k) => {
        if (!active[k]) return;
        // Events in proportion to the week's days inside the window; at least one, so "active" means seen.
        const n = Math.max(1, Math.round((count * (week.endMs - week.fromMs)) / windowMs));
        const at = () => week.fromMs + Math.floor(rng() * (week.endMs - week.fromMs));
        // A show the viewer cannot watch on their partners yields no event: draw again, so an active week is seen
        // in the warehouse and the measured retention is the planted one.
        for (let e = 0, attempts = 0; e < n && attempts < 50; attempts++) if (addEvent(at)) e++;
      });
    } else {
      for (let e = 0; e < count; e++) addEvent(() => end.getTime() - 1 - Math.floor(rng() * windowMs));
    }
  }
  return { shows, availability, accounts, events, clusters };
}

const DAY_MS = 86_400_000;

/** The window's Monday-start weeks (clipped to the window) and who gets the lift, for a planted experiment. */
function planExperiment(
  experiment: Pick<Experiment, 'id' | 'start' | 'controlShare'>,
  lift: number,
  end: Date,
  windowMs: number,
) {
  const fromMs = end.getTime() - windowMs;
  const day = new Date(fromMs);
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  const firstMonday = midnight - ((new Date(midnight).getUTCDay() + 6) % 7) * DAY_MS;
  const weeks: { startMs: number; fromMs: number; endMs: number }[] = [];
  for (let startMs = firstMonday; startMs < end.getTime(); startMs += 7 * DAY_MS) {
    weeks.push({ startMs, fromMs: Math.max(startMs, fromMs), endMs: Math.min(startMs + 7 * DAY_MS, end.getTime()) });
  }
  return {
    weeks,
    lift,
    startMs: Date.parse(experiment.start),
    isTreatment: (viewerId: string) => assignVariant(experiment, viewerId) === 'treatment',
  };
}

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

async function insertRows(db: PGlite, table: string, columns: string, rows: string[], chunk = 2000): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    await db.exec(`INSERT INTO ${table} (${columns}) VALUES ${rows.slice(i, i + chunk).join(',')}`);
  }
}

/** Writes the sample into the warehouse tables (created beforehand from sql/schema.sql). */
export async function loadSample(db: PGlite, data: SampleData, onProgress?: (fraction: number) => void): Promise<void> {
  await db.exec('BEGIN');
  try {
    await insertRows(
      db,
      'shows',
      'show_id, title, genre, brand',
      data.shows.map((s) => `(${quote(s.showId)},${quote(s.title)},${quote(s.genre)},${quote(s.brand)})`),
    );
    await insertRows(
      db,
      'show_availability',
      'show_id, partner',
      data.availability.map((a) => `(${quote(a.showId)},${quote(a.partner)})`),
    );
    await insertRows(
      db,
      'identity_map',
      'partner, partner_user_id, viewer_id',
      data.accounts.map((a) => `(${quote(a.partner)},${quote(a.partnerUserId)},${quote(a.viewerId)})`),
    );
    const chunk = 5000;
    for (let i = 0; i < data.events.length; i += chunk) {
      const rows = data.events
        .slice(i, i + chunk)
        .map(
          (e) =>
            `(${quote(e.partner)},${quote(e.partnerUserId)},${quote(e.showId)},${quote(e.startedAt)},${e.watchSeconds})`,
        );
      await insertRows(
        db,
        'viewership_events',
        'partner, partner_user_id, show_id, started_at, watch_seconds',
        rows,
        chunk,
      );
      onProgress?.(Math.min(1, (i + chunk) / data.events.length));
    }
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK');
    throw error;
  }
}
