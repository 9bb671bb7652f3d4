import { existsSync } from 'node:fs';
import { defineCommand } from 'citty';
import type { OfflineReport } from '../../model/eval/offline-report.js';
import { UsageError } from '../errors.js';
import { asUsageError, parseHpFlags } from './hp-flags.js';

type EvaluateTsvCommand = (train: string, test: string, raw: Record<string, string>) => Promise<OfflineReport>;

// model/ is typechecked by its own tsconfig (its kernels turn off noUncheckedIndexedAccess), so the root program
// must not pull it in: load it through a specifier TypeScript does not follow, typed by model/eval/offline-report.ts.
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
    k: { type: 'string', description: 'cut-off k (default 10)' },
    model: { type: 'string', description: 'auto | ease | ials | popularity (default auto)' },
    hp: {
      type: 'string',
      description: "hyperparameter key=value, repeatable, validated like the training job's (--hp ease_max_items=500)",
    },
    json: { type: 'boolean', description: 'print one JSON line', default: false },
  },
  async run({ args, rawArgs }) {
    const raw = parseHpFlags(rawArgs);
    if (args.model !== undefined) raw.model = args.model;
    if (args.k !== undefined) raw.k = args.k;
    for (const file of [args.train, args.test])
      if (!existsSync(file))
        throw new UsageError(`no such file: ${file} (--train and --test take TSV files: viewer<TAB>show[<TAB>weight])`);
    const { evaluateTsvCommand } = (await import(offlineModule)) as { evaluateTsvCommand: EvaluateTsvCommand };
    if (!args.json) process.stderr.write(`training ${raw.model ?? 'auto'} on ${args.train}…\n`);
    let report: OfflineReport;
    try {
      report = await evaluateTsvCommand(args.train, args.test, raw);
    } catch (error) {
      throw asUsageError(error);
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return;
    }
    const f = (v: number) => v.toFixed(4);
    process.stdout.write(
      [
        `model       ${report.model} (${report.users} test viewers, ${report.items} shows)`,
        `recall@${report.k}   ${f(report['recall@10'])}   popularity ${f(report.popularity['recall@10'])}`,
        `ndcg@${report.k}     ${f(report['ndcg@10'])}   popularity ${f(report.popularity['ndcg@10'])}`,
        `train       ${report.trainSeconds.toFixed(2)} s, peak RSS ${report.peakRssMb} MB`,
        ...(report.kernel
          ? [
              `kernel      ${report.kernel.precision}: Gram ${report.kernel.gramSeconds.toFixed(2)} s, inverse ${report.kernel.inverseSeconds.toFixed(2)} s (${report.kernel.gflops} GFLOP/s)`,
            ]
          : []),
        '',
      ].join('\n'),
    );
  },
});
