// A seeded sample warehouse for the report's screenshot script, its browser test and demos; not used in the Lambda.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeRng } from './rng.js';

/** Something that runs several SQL statements at once (PGlite's `exec`). */
export interface SqlExecutor {
  exec(sql: string): Promise<unknown>;
}

/** Creates the core tables (sql/schema.sql) and the report's own (sql/schema_report.sql). */
async function createReportTables(db: SqlExecutor): Promise<void> {
  for (const file of ['schema.sql', 'schema_report.sql']) {
    await db.exec(readFileSync(fileURLToPath(new URL(`../sql/${file}`, import.meta.url)), 'utf8'));
  }
}

const quote = (value: string | number | null) =>
  value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value.replace(/'/g, "''")}'`;

/** Inserts rows in batches; values are generated here or written in tests, never user input. */
async function insertRows(
  db: SqlExecutor,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows
      .slice(i, i + 500)
      .map((row) => `(${row.map(quote).join(', ')})`)
      .join(',\n');
    await db.exec(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values};`);
  }
}

const SHOWS: readonly [string, string, string][] = [
  ['Harbor Lights', 'drama', 'Northwind'],
  ['The Long Night', 'thriller', 'Northwind'],
  ['Kitchen Rivals', 'reality', 'Northwind'],
  ['Signal Lost', 'sci-fi', 'Northwind'],
  ['Maple Street', 'comedy', 'Northwind'],
  ['Wild Coasts', 'documentary', 'Bluepeak'],
  ['Station Eleven Days', 'drama', 'Bluepeak'],
  ['Cold Case Unit', 'crime', 'Bluepeak'],
  ['Laugh Track', 'comedy', 'Bluepeak'],
  ['Orbiters', 'animation', 'Bluepeak'],
  ['Fast Lane', 'sport', 'Redline'],
  ['Midnight Diner', 'drama', 'Redline'],
  ['Gridiron Weekly', 'sport', 'Redline'],
  ['Tiny Homes', 'lifestyle', 'Redline'],
  ['Deep Field', 'sci-fi', 'Redline'],
];
const PARTNERS = ['hulu', 'youtube', 'appletv', 'own'] as const;

export interface SampleOptions {
  viewers?: number;
  weeks?: number;
  seed?: number;
  /** Monday 00:00 UTC of the last sampled week. */
  lastWeek?: Date;
}

export interface SampleWarehouse {
  runId: string;
  asOf: Date;
  shows: [string, string, string, string][];
  identities: [string, string, string][];
  events: [string, string, string, string, number][];
  exposures: [string, string, string, number, string][];
}

const sqlTs = (t: number) => new Date(t).toISOString().slice(0, 19).replace('T', ' ');

/**
 * Generates a sample with planted structure: each show has a base popularity and a weekly trend (some rise, some
 * fade), some viewers binge (repeat views), and the last-but-one week's run recommended shows that a share of viewers
 * then watched.
 */
export function makeSampleWarehouse(options: SampleOptions = {}): SampleWarehouse {
  const random = makeRng(options.seed ?? 7);
  const viewers = options.viewers ?? 400;
  const weeks = options.weeks ?? 8;
  const lastWeek = (options.lastWeek ?? new Date('2024-06-03T00:00:00Z')).getTime();
  const firstWeek = lastWeek - (weeks - 1) * 7 * 86_400_000;
  const shows = SHOWS.map(([title, genre, brand], i): [string, string, string, string] => [
    `show-${String(i + 1).padStart(2, '0')}`,
    title,
    genre,
    brand,
  ]);
  const appeal = shows.map(() => 0.15 + random() * 0.5);
  // Brands drift apart over the weeks (one grows, one fades) so the trend chart has a story to tell.
  const brandDrift: Record<string, number> = { Northwind: 0.08, Bluepeak: -0.06, Redline: 0.02 };
  const trend = shows.map((show) => (random() - 0.5) * 0.2 + (brandDrift[show[3]] ?? 0));
  const identities: [string, string, string][] = [];
  const accounts: { viewer: string; partner: string; account: string }[][] = [];
  for (let v = 0; v < viewers; v++) {
    const viewer = `viewer-${String(v).padStart(4, '0')}`;
    const mine = PARTNERS.filter(() => random() < 0.45);
    const own = mine.length > 0 ? mine : [PARTNERS[v % PARTNERS.length] as string];
    accounts.push(
      own.map((partner) => {
        const account = `${partner}-${Math.floor(random() * 1e9).toString(36)}`;
        identities.push([partner, account, viewer]);
        return { viewer, partner, account };
      }),
    );
  }
  const events: [string, string, string, string, number][] = [];
  for (let w = 0; w < weeks; w++) {
    const weekStart = firstWeek + w * 7 * 86_400_000;
    for (const mine of accounts) {
      for (const [s, show] of shows.entries()) {
        const p = Math.max(0.01, (appeal[s] as number) * (1 + (trend[s] as number) * (w - weeks / 2))) * 0.35;
        if (random() >= p) continue;
        const { partner, account } = mine[Math.floor(random() * mine.length)] as (typeof mine)[number];
        const views = random() < 0.3 ? 2 + Math.floor(random() * 3) : 1;
        for (let k = 0; k < views; k++) {
          const at = weekStart + Math.floor(random() * 7 * 86_400_000);
          events.push([partner, account, show[0], sqlTs(at), 600 + Math.floor(random() * 3000)]);
        }
      }
    }
  }
  // The run before the last week recommended each viewer three shows; viewers who liked a show's genre watched it.
  const recommendedAt = lastWeek - 7 * 86_400_000;
  const runId = `${new Date(recommendedAt).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z-sample`;
  const exposures: [string, string, string, number, string][] = [];
  for (const mine of accounts) {
    const picks = new Set<number>();
    while (picks.size < 3) picks.add(Math.floor(random() * shows.length));
    let rank = 1;
    for (const s of picks) {
      const viewer = (mine[0] as { viewer: string }).viewer;
      const show = shows[s] as [string, string, string, string];
      exposures.push([runId, viewer, show[0], rank++, sqlTs(recommendedAt)]);
      if (random() < 0.1 + (appeal[s] as number) * 0.5) {
        const { partner, account } = mine[0] as { partner: string; account: string };
        events.push([partner, account, show[0], sqlTs(recommendedAt + Math.floor(random() * 13 * 86_400_000)), 1800]);
      }
    }
  }
  const asOf = new Date(lastWeek + 7 * 86_400_000 - 1000);
  return { runId, asOf, shows, identities, events: events.filter((e) => e[3] <= sqlTs(asOf.getTime())), exposures };
}

type Row = readonly (string | number | null)[];

/** The rows of the tables the reports read, in the column order loadWarehouseRows inserts them. */
export interface WarehouseRows {
  /** show_id, title, genre, brand */
  shows: readonly Row[];
  /** partner, partner_user_id, viewer_id */
  identities: readonly Row[];
  /** partner, partner_user_id, show_id, started_at, watch_seconds */
  events: readonly Row[];
  /** run_id, viewer_id, show_id, rank, recommended_at */
  exposures?: readonly Row[];
}

/** Creates the tables and loads the rows into them: the sample's, or a test's hand-written warehouse. */
export async function loadWarehouseRows(db: SqlExecutor, rows: WarehouseRows): Promise<void> {
  await createReportTables(db);
  await insertRows(db, 'shows', ['show_id', 'title', 'genre', 'brand'], rows.shows);
  await insertRows(db, 'identity_map', ['partner', 'partner_user_id', 'viewer_id'], rows.identities);
  await insertRows(
    db,
    'viewership_events',
    ['partner', 'partner_user_id', 'show_id', 'started_at', 'watch_seconds'],
    rows.events,
  );
  await insertRows(
    db,
    'recommendation_exposures',
    ['run_id', 'viewer_id', 'show_id', 'rank', 'recommended_at'],
    rows.exposures ?? [],
  );
}

/** Creates the tables and loads a sample into them. */
export const loadSampleWarehouse = (db: SqlExecutor, sample: SampleWarehouse): Promise<void> =>
  loadWarehouseRows(db, sample);
