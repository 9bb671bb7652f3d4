import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineCommand } from 'citty';
import { readPipelineSizing } from '../../local/pipeline-sizing.js';
import { Figures, formatPlan, Prices, planRun, readJsonFile } from '../../local/plan.js';
import { UsageError } from '../errors.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

const count = (name: string, value: string, min = 1): number => {
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min} (got "${value}")`);
  return n;
};

/** `recs plan --viewers N --shows N`: time, memory and cost of one run's costly stages at that scale. */
export default defineCommand({
  meta: {
    name: 'plan',
    description:
      'Expected duration, memory and cost per run (UNLOAD, training, transform, fan-out) from measured bench figures, the configured instances and docs/prices.json.',
  },
  args: {
    viewers: { type: 'string', description: 'viewers in the run', required: true },
    shows: { type: 'string', description: 'shows and episodes in the catalog', required: true },
    'interactions-per-viewer': {
      type: 'string',
      description: 'viewer × show pairs per viewer in the training window',
      default: '20',
    },
    'table-wru': {
      type: 'string',
      description: 'sustained table write units/s (new on-demand table ≈ 4000; with warm throughput up to 40000)',
      default: '4000',
    },
    figures: { type: 'string', description: 'measured bench figures', default: 'bench/figures.json' },
    prices: { type: 'string', description: 'dated price table', default: 'docs/prices.json' },
    json: { type: 'boolean', description: 'print one JSON object', default: false },
  },
  async run({ args }) {
    const resolveFile = (path: string) => {
      const full = existsSync(path) ? path : `${projectRoot}${path}`;
      if (!existsSync(full)) throw new UsageError(`no such file: ${path}`);
      return full;
    };
    const plan = planRun(
      {
        viewers: count('viewers', args.viewers),
        shows: count('shows', args.shows),
        interactionsPerViewer: count('interactions-per-viewer', args['interactions-per-viewer']),
        tableWriteUnitsPerSecond: count('table-wru', args['table-wru']),
      },
      readPipelineSizing(projectRoot),
      readJsonFile(resolveFile(args.figures), Figures),
      readJsonFile(resolveFile(args.prices), Prices),
    );
    process.stdout.write(args.json ? `${JSON.stringify(plan)}\n` : `${formatPlan(plan)}\n`);
  },
});
