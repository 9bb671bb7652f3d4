import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { defineCommand } from 'citty';
import { generateReport } from '../../functions/report-top-shows/generate-report.js';
import type { TopShowsReport } from '../../functions/report-top-shows/report.js';
import { pgSqlRunner } from '../../functions/report-top-shows/sql-runner.js';
import { UsageError } from '../errors.js';

const RUN_ID = /^[0-9]{8}T[0-9]{6}Z-[A-Za-z0-9_-]{1,80}$/;
const reportDdl = () => readFileSync(fileURLToPath(new URL('../../sql/schema_report.sql', import.meta.url)), 'utf8');

export interface LocalReportOptions {
  /** The run whose report to make; default: the newest run found locally. */
  runId?: string;
  /** Clock for the report's "generated" stamp. */
  now?: Date;
}

/**
 * Builds the report from the local PGlite warehouse at `<dataDir>/warehouse`. The run is the given one, else the
 * newest with recorded recommendations, else the newest `runs/<runId>/` in the local S3 folder; the window ends at
 * the newest viewing event. Throws UsageError when there is no warehouse yet.
 */
export async function buildLocalReport(
  dataDir: string,
  options: LocalReportOptions = {},
): Promise<{ report: TopShowsReport; html: string }> {
  const warehouseDir = join(dataDir, 'warehouse');
  if (!existsSync(warehouseDir)) throw new UsageError('no local warehouse: run `recs run` first');
  if (options.runId !== undefined && !RUN_ID.test(options.runId)) {
    throw new UsageError(`--run "${options.runId}" is not a run id (YYYYMMDDTHHMMSSZ-name)`);
  }
  const db = new PGlite(warehouseDir);
  try {
    // The local runtime creates the core tables; the report's own table may not be there yet.
    await db.exec(reportDdl());
    const runId = options.runId ?? (await latestRunId(db, dataDir)) ?? 'local';
    const newest = await db.query<{ as_of: string | null }>(
      'SELECT TO_CHAR(MAX(started_at), \'YYYY-MM-DD"T"HH24:MI:SS\') AS as_of FROM viewership_events',
    );
    const asOfText = newest.rows[0]?.as_of;
    const now = options.now ?? new Date();
    return await generateReport(pgSqlRunner(db), {
      runId,
      asOf: asOfText ? new Date(`${asOfText}Z`) : now,
      generatedAt: now,
    });
  } finally {
    await db.close();
  }
}

/** The HTML of the newest local run's report, for the local HTTP server's `/reports/latest`. */
export async function renderLatestReport(dataDir: string): Promise<string> {
  return (await buildLocalReport(dataDir)).html;
}

async function latestRunId(db: PGlite, dataDir: string): Promise<string | undefined> {
  const exposed = await db.query<{ run_id: string | null }>(
    'SELECT MAX(run_id) AS run_id FROM recommendation_exposures',
  );
  const fromWarehouse = exposed.rows[0]?.run_id ?? undefined;
  // s3rver keeps each bucket as a folder, so runs/<runId>/ prefixes are folders under <dataDir>/s3/<bucket>/runs.
  const s3Dir = join(dataDir, 's3');
  const fromS3 = existsSync(s3Dir)
    ? readdirSync(s3Dir, { withFileTypes: true })
        .filter((bucket) => bucket.isDirectory() && existsSync(join(s3Dir, bucket.name, 'runs')))
        .flatMap((bucket) => readdirSync(join(s3Dir, bucket.name, 'runs')))
        .filter((name) => RUN_ID.test(name))
    : [];
  return [fromWarehouse, ...fromS3]
    .filter((id): id is string => id !== undefined)
    .sort()
    .at(-1);
}

function openInBrowser(file: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [file], { detached: true, stdio: 'ignore' });
  child.on('error', (error) => process.stderr.write(`recs: could not open the report (${error.message})\n`));
  child.unref();
}

/** `recs report [--run RUNID] [--open] [--out FILE] [--data-dir .recs]`: writes the report locally, prints its path. */
export default defineCommand({
  meta: { name: 'report', description: 'Write the top-performing-shows report of the latest (or given) local run.' },
  args: {
    run: { type: 'string', description: 'run id (default: the newest local run)' },
    open: { type: 'boolean', description: 'open the report in a browser', default: false },
    out: { type: 'string', description: 'HTML file to write (report.json goes beside it)' },
    'data-dir': { type: 'string', description: 'local runtime data folder', default: '.recs' },
    json: { type: 'boolean', description: 'print {runId, html, json} as JSON', default: false },
  },
  async run({ args }) {
    const dataDir = resolve(String(args['data-dir']));
    const { report, html } = await buildLocalReport(dataDir, args.run ? { runId: String(args.run) } : {});
    const htmlPath = resolve(args.out ? String(args.out) : join(dataDir, 'reports', report.runId, 'report.html'));
    const jsonPath = htmlPath.replace(/(\.html?)?$/, '.json');
    mkdirSync(dirname(htmlPath), { recursive: true });
    writeFileSync(htmlPath, html);
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(
      `report of run ${report.runId}: ${report.topShows.length} ranked rows over ${report.weeks.length} weeks\n`,
    );
    process.stdout.write(
      args.json ? `${JSON.stringify({ runId: report.runId, html: htmlPath, json: jsonPath })}\n` : `${htmlPath}\n`,
    );
    if (args.open) openInBrowser(htmlPath);
  },
});
