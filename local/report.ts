import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { compareRunIds, isRunId } from '../functions/_shared/run-layout.js';
import { generateReport } from '../functions/report-top-shows/generate-report.js';
import type { TopShowsReport, WeekStartDay } from '../functions/report-top-shows/report.js';
import { dataPaths, noLocalRunYet } from './data-dir.js';
import { LocalSetupError } from './errors.js';
import { readLocalExperiment } from './experiment-file.js';
import { pgSqlRunner } from './pg-sql-runner.js';

/**
 * The top-shows report (issue #8) built from a data dir's local warehouse: what `recs report` writes (the report
 * a run wrote to the local S3 is what `recs serve` answers at GET /reports/top-shows).
 */

const reportDdl = () => readFileSync(fileURLToPath(new URL('../sql/schema_report.sql', import.meta.url)), 'utf8');

export interface LocalReportOptions {
  /** The run whose report to make; default: the newest run found locally. */
  runId?: string;
  /** Clock for the report's "generated" stamp. */
  now?: Date;
  /** Day the report's weeks start on (default Monday). */
  weekStartsOn?: WeekStartDay;
}

// PGlite must never have one folder open twice (two instances corrupt it), so every open in this process
// goes through this queue: concurrent reports wait for each other.
let warehouseQueue: Promise<unknown> = Promise.resolve();
function withWarehouse<T>(warehouseDir: string, use: (db: PGlite) => Promise<T>): Promise<T> {
  const next = warehouseQueue.then(async () => {
    const db = new PGlite(warehouseDir);
    try {
      return await use(db);
    } finally {
      await db.close();
    }
  });
  warehouseQueue = next.catch(() => undefined);
  return next;
}

/**
 * Builds the report from the local PGlite warehouse at `<dataDir>/warehouse`. The run is the given one, else the
 * newest with recorded recommendations, else the newest `runs/<runId>/` in the local S3 folder; the window ends at
 * the newest viewing event. Throws LocalSetupError when there is no warehouse yet or the run id is malformed.
 */
export async function buildLocalReport(
  dataDir: string,
  options: LocalReportOptions = {},
): Promise<{ report: TopShowsReport; html: string }> {
  const warehouseDir = dataPaths(dataDir).warehouse;
  if (!existsSync(warehouseDir)) throw new LocalSetupError(noLocalRunYet(dataDir));
  if (options.runId !== undefined && !isRunId(options.runId)) {
    throw new LocalSetupError(`--run "${options.runId}" is not a run id (YYYYMMDDTHHMMSSZ-name)`);
  }
  return withWarehouse(warehouseDir, async (db) => {
    // The local runtime creates the core tables; the report's own table may not be there yet.
    await db.exec(reportDdl());
    const runId = options.runId ?? (await latestRunId(db, dataDir)) ?? 'local';
    const newest = await db.query<{ as_of: string | null }>(
      'SELECT TO_CHAR(MAX(started_at), \'YYYY-MM-DD"T"HH24:MI:SS\') AS as_of FROM viewership_events',
    );
    const asOfText = newest.rows[0]?.as_of;
    const now = options.now ?? new Date();
    const experiment = readLocalExperiment(dataDir);
    return generateReport(pgSqlRunner(db), {
      ...(experiment ? { experiment } : {}),
      runId,
      asOf: asOfText ? new Date(`${asOfText}Z`) : now,
      generatedAt: now,
      ...(options.weekStartsOn ? { weekStartsOn: options.weekStartsOn } : {}),
    });
  });
}

async function latestRunId(db: PGlite, dataDir: string): Promise<string | undefined> {
  const exposed = await db.query<{ run_id: string | null }>(
    'SELECT MAX(run_id) AS run_id FROM recommendation_exposures',
  );
  const fromWarehouse = exposed.rows[0]?.run_id ?? undefined;
  // s3rver keeps each bucket as a folder, so runs/<runId>/ prefixes are folders under <dataDir>/s3/<bucket>/runs.
  const s3Dir = dataPaths(dataDir).s3;
  const fromS3 = existsSync(s3Dir)
    ? readdirSync(s3Dir, { withFileTypes: true })
        .filter((bucket) => bucket.isDirectory() && existsSync(join(s3Dir, bucket.name, 'runs')))
        .flatMap((bucket) => readdirSync(join(s3Dir, bucket.name, 'runs')))
        .filter(isRunId)
    : [];
  return [fromWarehouse, ...fromS3]
    .filter((id): id is string => id !== undefined)
    .sort(compareRunIds)
    .at(-1);
}
