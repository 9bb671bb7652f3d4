import { existsSync } from 'node:fs';
import { defineCommand } from 'citty';
import { UsageError } from '../errors.js';

/** The `--json` line of `recs evaluate` (model/eval/offline.ts builds it). */
interface OfflineReport {
  readonly model: string;
  readonly 'recall@10': number;
  readonly 'ndcg@10': number;
  readonly popularity: { readonly 'recall@10': number; readonly 'ndcg@10': number };
  readonly trainSeconds: number;
  readonly peakRssMb: number;
  readonly users: number;
  readonly items: number;
}
type EvaluateTsvCommand = (train: string, test: string, raw: Record<string, string>) => Promise<OfflineReport>;

// model/ is typechecked by its own tsconfig (its kernels turn off noUncheckedIndexedAccess), so the root program
// must not pull it in: load it through a specifier TypeScript does not follow, typed by the interface above.
const offlineModule = '../../model/eval/offline.js';

/** `recs evaluate --train FILE --test FILE`: the REFERENCE.md protocol with the same code as the training job. */
export default defineCommand({
  meta: {
    name: 'evaluate',
    description:
      'Train on a TSV (viewer<TAB>show[<TAB>weight]) and score Recall/NDCG@k on another (REFERENCE.md protocol).',
  },
  args: {
    train: { type: 'string', description: 'training TSV', required: true },
    test: { type: 'string', description: 'test TSV', required: true },
    k: { type: 'string', description: 'cut-off k', default: '10' },
    model: { type: 'string', description: 'auto | ease | ials | popularity', default: 'auto' },
    json: { type: 'boolean', description: 'print one JSON line', default: false },
  },
  async run({ args }) {
    for (const file of [args.train, args.test])
      if (!existsSync(file))
        throw new UsageError(`no such file: ${file} (--train and --test take TSV files: viewer<TAB>show[<TAB>weight])`);
    const { evaluateTsvCommand } = (await import(offlineModule)) as { evaluateTsvCommand: EvaluateTsvCommand };
    if (!args.json) process.stderr.write(`training ${args.model} on ${args.train}…\n`);
    let report: OfflineReport;
    try {
      report = await evaluateTsvCommand(args.train, args.test, { model: args.model, k: args.k });
    } catch (error) {
      if (error instanceof Error && error.name === 'HyperparameterError')
        throw new UsageError(error.message.replace('hyperparameter "', 'flag "--'));
      throw error;
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return;
    }
    const f = (v: number) => v.toFixed(4);
    process.stdout.write(
      [
        `model       ${report.model} (${report.users} test viewers, ${report.items} shows)`,
        `recall@${args.k}   ${f(report['recall@10'])}   popularity ${f(report.popularity['recall@10'])}`,
        `ndcg@${args.k}     ${f(report['ndcg@10'])}   popularity ${f(report.popularity['ndcg@10'])}`,
        `train       ${report.trainSeconds.toFixed(2)} s, peak RSS ${report.peakRssMb} MB`,
        '',
      ].join('\n'),
    );
  },
});
