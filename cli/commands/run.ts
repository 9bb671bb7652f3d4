import { defineCommand } from 'citty';
import { UsageError } from '../errors.js';
import { DATA_DIR_ARG, dataDirOf, RUNTIME_ARGS, withLocalErrors } from './local-args.js';

const ARGS = {
  viewers: {
    type: 'string',
    description: 'viewers in the generated sample (when the warehouse is empty)',
    default: '2000',
  },
  shows: { type: 'string', description: 'shows in the generated sample', default: '300' },
  days: { type: 'string', description: 'days of viewing events in the sample', default: '28' },
  seed: { type: 'string', description: 'sample seed', default: '42' },
  'simulate-lift': {
    type: 'string',
    description:
      'plant a holdout experiment in the sample: treatment viewers return week to week with this much more probability (0.05 = 5 points); starts `sample-holdout` unless an experiment exists (recs experiment)',
  },
  'execution-name': { type: 'string', description: 'Step Functions execution name (default: local-<timestamp>)' },
  'fail-at': {
    type: 'string',
    description:
      'inject a fault: STATE (every attempt fails, retries run out, the execution FAILS at STATE), STATE:N (only attempt N fails; Retry recovers), STATE:N+ (attempt N and later fail: e.g. TrainModel:2+ fails the polls of a job that runs on), WriteTopTen:batch=B[:N] (Distributed Map child batch B, 0-based)',
  },
  'data-dir': DATA_DIR_ARG,
  reset: { type: 'boolean', description: 'start from an empty data dir', default: false },
  json: { type: 'boolean', description: 'print the summary as JSON (last stdout line)', default: false },
  ...RUNTIME_ARGS,
} as const;

/** Rejects flags this command does not know (citty would silently ignore them). */
export function checkFlags(rawArgs: readonly string[], known: readonly string[]): void {
  for (const arg of rawArgs) {
    // Values such as `-5` are not flags; the size checks report them.
    if (!arg.startsWith('-') || arg === '-' || arg === '--' || /^-\d/.test(arg)) continue;
    const name = arg.replace(/^--?/, '').split('=')[0] ?? '';
    const bare = name.startsWith('no-') ? name.slice(3) : name;
    if (!known.includes(name) && !known.includes(bare) && name !== 'help' && name !== 'h') {
      throw new UsageError(`unknown flag ${arg.split('=')[0]}: --help lists the flags`);
    }
  }
}

function integer(name: string, raw: unknown, min: number, max: number): number {
  const text = String(raw ?? '').trim();
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${String(raw)}"`);
  }
  return value;
}

/** `recs run`: the whole pipeline on local stand-ins (`npm start`). */
export default defineCommand({
  meta: { name: 'run', description: 'Run the recommendation pipeline end to end on local stand-ins.' },
  args: ARGS,
  async run({ args, rawArgs }) {
    checkFlags(rawArgs, Object.keys(ARGS));
    const sample = {
      viewers: integer('viewers', args.viewers, 10, 1_000_000),
      shows: integer('shows', args.shows, 10, 100_000),
      days: integer('days', args.days, 1, 180),
      seed: integer('seed', args.seed, 0, 2 ** 31 - 1),
    };
    const dataDir = dataDirOf(args['data-dir']);
    const simulated =
      args['simulate-lift'] !== undefined
        ? await plantExperiment(dataDir, String(args['simulate-lift']), sample.days, Boolean(args.reset))
        : {};
    const { runLocalPipeline } = await import('../../local/runtime.js');
    const { parseFaultSpec } = await import('../../local/faults.js');
    const failAt =
      args['fail-at'] !== undefined ? await withLocalErrors(() => parseFaultSpec(String(args['fail-at']))) : undefined;
    const { stderrProgress } = await import('../../local/progress.js');
    const { renderSummary } = await import('../../local/summary.js');
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const summary = await withLocalErrors(() =>
      runLocalPipeline({
        dataDir,
        // With --simulate-lift the reset already happened, before the experiment file was written.
        reset: Boolean(args.reset) && args['simulate-lift'] === undefined,
        sample: { ...sample, ...simulated },
        ...(args['execution-name'] ? { executionName: String(args['execution-name']) } : {}),
        ...(failAt ? { failAt } : {}),
        verbose: Boolean(args.verbose),
        iam: args.iam !== false,
        log,
        progress: stderrProgress(),
      }),
    );
    printSummary(summary, Boolean(args.json), (s) => renderSummary(s, { dataDir }));
  },
});

/**
 * `--simulate-lift L`: the experiment the sample plants, the local one if `recs experiment start` made one, else
 * `sample-holdout` (default 10 % control) starting with the sample window, so every sampled week is in it.
 */
async function plantExperiment(dataDir: string, raw: string, days: number, reset: boolean) {
  const lift = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw.trim()) || !(lift >= 0 && lift <= 0.4)) {
    throw new UsageError(`--simulate-lift must be a number from 0 to 0.4 (0.05 = 5 points), got "${raw}"`);
  }
  const { readLocalExperiment, startLocalExperiment } = await import('../../local/experiment-file.js');
  const { prepareDataDir } = await import('../../local/data-dir.js');
  return withLocalErrors(() => {
    // --reset clears the data dir (and its experiment) first, as the run itself would.
    prepareDataDir(dataDir, { reset });
    const today = new Date();
    const windowStart = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - days));
    const experiment =
      readLocalExperiment(dataDir) ??
      startLocalExperiment(dataDir, { id: 'sample-holdout', start: windowStart.toISOString() }, today);
    process.stderr.write(
      `  experiment ${experiment.id}: planting a ${(lift * 100).toFixed(1)}-point retention lift for treatment viewers (applies when the sample is generated, i.e. into an empty warehouse)\n`,
    );
    return { experiment, simulateLift: lift };
  });
}

/** `--json`: one line, the summary without the sample viewer, run id and next steps; exit 1 when the execution failed. */
export function printSummary(
  summary: import('../../local/run-summary.js').ExecutionSummary,
  json: boolean,
  render: (summary: import('../../local/run-summary.js').ExecutionSummary) => string,
): void {
  if (json) {
    const { sampleViewer: _viewer, runId: _runId, isRedrivable: _redrivable, ...shape } = summary;
    process.stdout.write(`${JSON.stringify(shape)}\n`);
  } else {
    process.stdout.write(render(summary));
  }
  process.exitCode = summary.status === 'SUCCEEDED' ? 0 : 1;
}
