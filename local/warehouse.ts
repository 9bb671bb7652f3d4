import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Progress } from './progress.js';
import { generateSample, loadSample, type SampleOptions } from './sample-data.js';

/** Creates the warehouse's tables (sql/schema*.sql) and, when it holds no events, loads the generated sample. */
export async function ensureWarehouse(
  db: PGlite,
  root: string,
  sample: SampleOptions | undefined,
  samplePath: string,
  log: (line: string) => void,
  progress: Progress,
): Promise<void> {
  for (const ddl of ['sql/schema.sql', 'sql/schema_report.sql']) await db.exec(readFileSync(join(root, ddl), 'utf8'));
  const { rows } = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM viewership_events');
  if ((rows[0]?.n ?? 0) > 0 || !sample) return;
  const started = performance.now();
  const data = generateSample(sample);
  await loadSample(db, data, (fraction) => progress.update('loading sample', fraction, `${data.events.length} events`));
  // PGlite runs no autovacuum: without statistics the planner nests loops and the UNLOADs take ~50× longer.
  await db.exec('ANALYZE');
  progress.done();
  writeFileSync(
    samplePath,
    `${JSON.stringify({ ...sample, events: data.events.length, loadedAt: new Date().toISOString() })}\n`,
  );
  log(
    `  loaded sample: ${sample.viewers} viewers, ${sample.shows} shows, ${data.events.length} events over ${sample.days} days (${((performance.now() - started) / 1000).toFixed(1)}s)`,
  );
}
