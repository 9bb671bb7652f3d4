import { defineCommand } from 'citty';
import { UsageError } from '../errors.js';
import { checkFlags, printSummary } from './run.js';

const ARGS = {
  execution: { type: 'positional', description: 'name of the FAILED execution to redrive', required: true },
  'data-dir': { type: 'string', description: 'where the stand-ins keep their state', default: '.recs' },
  json: { type: 'boolean', description: 'print the summary as JSON (same shape as `recs run --json`)', default: false },
  verbose: { type: 'boolean', description: 'handler logs and error stacks', default: false },
  iam: {
    type: 'boolean',
    description: "check every AWS call against the stack's IAM policies (--no-iam turns it off, with a warning)",
    default: true,
  },
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
    const dataDir = String(args['data-dir'] ?? '').trim();
    if (!dataDir) throw new UsageError('--data-dir must not be empty');
    const { redriveLocalExecution } = await import('../../local/runtime.js');
    const { LocalSetupError } = await import('../../local/errors.js');
    const { stderrProgress } = await import('../../local/progress.js');
    const { renderSummary } = await import('../../local/summary.js');
    const summary = await redriveLocalExecution({
      dataDir,
      executionName: String(args.execution),
      verbose: Boolean(args.verbose),
      iam: args.iam !== false,
      log: (line) => process.stderr.write(`${line}\n`),
      progress: stderrProgress(),
    }).catch((error: unknown) => {
      throw error instanceof LocalSetupError ? new UsageError(error.message, { cause: error }) : error;
    });
    printSummary(summary, Boolean(args.json), (s) => renderSummary(s, { dataDir }));
  },
});
