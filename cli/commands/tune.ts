import { existsSync } from 'node:fs';
import { defineCommand } from 'citty';
import { UsageError } from '../errors.js';
import { asUsageError, parseHpFlags } from './hp-flags.js';

/** A row and the result of model/eval/tune.ts (local shapes: the root program does not pull model/ in). */
interface TuneRow {
  readonly hyperparameters: Readonly<Record<string, string>>;
  readonly 'ndcg@10': number;
  readonly 'recall@10': number;
  readonly trainSeconds: number;
  readonly easeRatio: number;
}
interface TuneResult {
  readonly validation: { readonly fraction: number; readonly seed: number; readonly viewers: number };
  readonly ease: { readonly 'ndcg@10': number };
  readonly rows: readonly TuneRow[];
  readonly winner: TuneRow;
}
interface TuneModule {
  readonly defaultIalsGrid: Readonly<Record<string, readonly string[]>>;
  tuneTsvCommand(
    train: string,
    grid: Readonly<Record<string, readonly string[]>>,
    base: Readonly<Record<string, string>>,
    onRow?: (row: TuneRow) => void,
  ): Promise<TuneResult>;
}
const tuneModule = '../../model/eval/tune.js';

/** Every `--grid key=v1,v2,…` in rawArgs (repeatable; citty keeps only the last of a repeated flag). */
export function parseGridFlags(rawArgs: readonly string[]): Record<string, string[]> {
  const grid: Record<string, string[]> = {};
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] ?? '';
    const spec = arg === '--grid' ? rawArgs[++i] : arg.startsWith('--grid=') ? arg.slice('--grid='.length) : undefined;
    if (arg !== '--grid' && !arg.startsWith('--grid=')) continue;
    const eq = spec?.indexOf('=') ?? -1;
    const values =
      spec
        ?.slice(eq + 1)
        .split(',')
        .filter(Boolean) ?? [];
    if (!spec || eq <= 0 || values.length === 0) {
      throw new UsageError(`--grid expects key=v1,v2,… (got ${JSON.stringify(spec ?? '')})`);
    }
    grid[spec.slice(0, eq)] = values;
  }
  return grid;
}

const describeRow = (row: TuneRow): string =>
  `${Object.entries(row.hyperparameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}  ndcg@10 ${row['ndcg@10'].toFixed(4)}  recall@10 ${row['recall@10'].toFixed(4)}  ` +
  `×EASE ${row.easeRatio.toFixed(3)}  ${row.trainSeconds.toFixed(1)} s`;

/** `recs tune --train FILE`: grid search on a validation split carved from the training file (never a test file). */
export default defineCommand({
  meta: {
    name: 'tune',
    description:
      'Grid-search hyperparameters on a validation split carved from the training TSV; prints the grid and the winner.',
  },
  args: {
    train: { type: 'string', description: 'training TSV (viewer<TAB>show[<TAB>weight])', required: true },
    grid: {
      type: 'string',
      description: 'key=v1,v2,… to search, repeatable (default: the iALS grid of model/eval/tune.ts)',
    },
    hp: { type: 'string', description: 'fixed hyperparameter key=value for every row, repeatable' },
    json: { type: 'boolean', description: 'print one JSON object', default: false },
  },
  async run({ args, rawArgs }) {
    if (!existsSync(args.train)) throw new UsageError(`no such file: ${args.train}`);
    const base = parseHpFlags(rawArgs);
    const flags = parseGridFlags(rawArgs);
    const { defaultIalsGrid, tuneTsvCommand } = (await import(tuneModule)) as TuneModule;
    const grid = Object.keys(flags).length > 0 ? flags : defaultIalsGrid;
    let result: TuneResult;
    try {
      result = await tuneTsvCommand(args.train, grid, base, (row) => process.stderr.write(`${describeRow(row)}\n`));
    } catch (error) {
      throw asUsageError(error);
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ grid, base, ...result })}\n`);
      return;
    }
    const { validation, ease } = result;
    process.stdout.write(
      [
        `validation  ${validation.viewers} viewers, ${validation.fraction} of each held out (seed ${validation.seed}), carved from ${args.train}`,
        `grid        ${Object.entries(grid)
          .map(([k, v]) => `${k}=${v.join(',')}`)
          .join('  ')}`,
        `EASE        ndcg@10 ${ease['ndcg@10'].toFixed(4)} on the same validation split`,
        ...result.rows.map((row) => `  ${describeRow(row)}`),
        `winner      ${describeRow(result.winner)}`,
        '',
      ].join('\n'),
    );
  },
});
