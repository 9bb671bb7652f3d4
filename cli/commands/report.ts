import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { defineCommand } from 'citty';
import { z } from 'zod';
import { WEEK_START_DAYS } from '../../functions/report-top-shows/report.js';
import { buildLocalReport } from '../../local/report.js';
import { UsageError } from '../errors.js';
import { withLocalErrors } from './local-args.js';

function openInBrowser(file: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [file], { detached: true, stdio: 'ignore' });
  child.on('error', (error) => process.stderr.write(`recs: could not open the report (${error.message})\n`));
  child.unref();
}

/** `recs report [--run RUNID] [--week-start monday] [--open] [--out FILE] [--data-dir .recs]`: writes the report locally, prints its path. */
export default defineCommand({
  meta: { name: 'report', description: 'Write the top-performing-shows report of the latest (or given) local run.' },
  args: {
    run: { type: 'string', description: 'run id (default: the newest local run)' },
    'week-start': {
      type: 'string',
      description: `day weeks start on: ${WEEK_START_DAYS.join(', ')}`,
      default: 'monday',
    },
    open: { type: 'boolean', description: 'open the report in a browser', default: false },
    out: { type: 'string', description: 'HTML file to write (report.json goes beside it)' },
    'data-dir': { type: 'string', description: 'local runtime data folder', default: '.recs' },
    json: { type: 'boolean', description: 'print {runId, html, json} as JSON', default: false },
  },
  async run({ args }) {
    const dataDir = resolve(String(args['data-dir']));
    const weekStartsOn = z.enum(WEEK_START_DAYS).safeParse(String(args['week-start']).toLowerCase());
    if (!weekStartsOn.success) {
      throw new UsageError(`--week-start must be one of ${WEEK_START_DAYS.join(', ')} (got "${args['week-start']}")`);
    }
    const { report, html } = await withLocalErrors(() =>
      // local/report.ts reports an unusable data dir or run id as LocalSetupError: a usage error (exit 2).
      buildLocalReport(dataDir, {
        ...(args.run ? { runId: String(args.run) } : {}),
        weekStartsOn: weekStartsOn.data,
      }),
    );
    const htmlPath = resolve(args.out ? String(args.out) : join(dataDir, 'reports', report.runId, 'report.html'));
    const jsonPath = htmlPath.replace(/(\.html?)?$/, '.json');
    mkdirSync(dirname(htmlPath), { recursive: true });
    writeFileSync(htmlPath, html);
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(
      `report of run ${report.runId}: ${report.topShows.length} ranked rows over ${report.weeks.length} weeks; ` +
        `opens on the week of ${report.defaultWeek}\n`,
    );
    const experiment = report.experiment;
    if (experiment) {
      const { control, treatment } = experiment.variants;
      const retention = (value: number | null) => (value === null ? '–' : `${(value * 100).toFixed(1)} %`);
      process.stderr.write(
        `experiment ${experiment.id}: retention ${retention(treatment.retention)} treatment (${treatment.viewers} viewers) vs ${retention(control.retention)} control (${control.viewers}); ${experiment.retentionLift?.summary ?? 'not enough data yet: no complete week inside the experiment'}\n`,
      );
    }
    process.stdout.write(
      args.json ? `${JSON.stringify({ runId: report.runId, html: htmlPath, json: jsonPath })}\n` : `${htmlPath}\n`,
    );
    if (args.open) openInBrowser(htmlPath);
  },
});
