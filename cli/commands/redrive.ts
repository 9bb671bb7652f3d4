import { defineCommand } from 'citty';
import { DATA_DIR_ARG, dataDirOf, RUNTIME_ARGS, withLocalErrors } from './local-args.js';
import { checkFlags, printSummary } from './run.js';

const ARGS = {
  execution: { type: 'positional', description: 'name of the FAILED execution to redrive', required: true },
  'data-dir': DATA_DIR_ARG,
  json: { type: 'boolean', description: 'print the summary as JSON (same shape as `recs run --json`)', default: false },
  ...RUNTIME_ARGS,
} as const;

/** `recs redrive NAME`: RedriveExecution, locally — resumes a FAILED execution at the Task that failed. */
export default defineCommand({
  meta: {
    name: 'redrive',
    description:
      'Continue a FAILED local execution as RedriveExecution does: same name and input, RedriveCount + 1, succeeded states not rerun, only failed Map batches rerun.',
  },
  args: ARGS,
  async run({ args, rawArgs }) {
    checkFlags(
      rawArgs,
      Object.keys(ARGS).filter((key) => key !== 'execution'),
    );
    const dataDir = dataDirOf(args['data-dir']);
    const { redriveLocalExecution } = await import('../../local/runtime.js');
    const { stderrProgress } = await import('../../local/progress.js');
    const { renderSummary } = await import('../../local/summary.js');
    const summary = await withLocalErrors(() =>
      redriveLocalExecution({
        dataDir,
        executionName: String(args.execution),
        verbose: Boolean(args.verbose),
        iam: args.iam !== false,
        log: (line) => process.stderr.write(`${line}\n`),
        progress: stderrProgress(),
      }),
    );
    printSummary(summary, Boolean(args.json), (s) => renderSummary(s, { dataDir }));
  },
});
