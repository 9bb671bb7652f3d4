import { defineCommand } from 'citty';
import type { Experiment } from '../../functions/_shared/experiment.js';
import { UsageError } from '../errors.js';
import { dataDirOf, withLocalErrors } from './local-args.js';
import { checkFlags } from './run.js';

/**
 * `recs experiment start|stop|status`: the local stage's holdout experiment (issue #18), kept in
 * `<data-dir>/experiment.json`. `recs run` and `recs serve` hand it to the Lambdas as the EXPERIMENT_* environment
 * that stage params give them in AWS; `recs report` analyses it.
 */

const DATA_DIR = { type: 'string', description: 'local runtime data folder', default: '.recs' } as const;
const JSON_FLAG = { type: 'boolean', description: 'print the experiment as JSON', default: false } as const;

function print(experiment: Experiment | undefined, json: boolean, now: Date): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(experiment ?? null)}\n`);
    return;
  }
  if (!experiment) {
    process.stdout.write('no experiment (start one with `recs experiment start --id <id>`)\n');
    return;
  }
  const state =
    Date.parse(experiment.start) > now.getTime()
      ? 'scheduled'
      : experiment.end !== undefined && Date.parse(experiment.end) <= now.getTime()
        ? 'stopped'
        : 'running';
  process.stdout.write(
    [
      `experiment ${experiment.id}: ${state}`,
      `  start          ${experiment.start}`,
      `  end            ${experiment.end ?? '-'}`,
      `  control share  ${(experiment.controlShare * 100).toFixed(1)} %`,
      `  control gets   ${experiment.control === 'popular' ? 'the popular-shows list' : "the previous live run's lists"}`,
      '',
    ].join('\n'),
  );
}

type ExperimentFile = typeof import('../../local/experiment-file.js');

/**
 * What start, stop and status share: check the flags and run `checkArgs`, then run `action` on the experiment file
 * of --data-dir at one `now` (local setup errors become usage errors), and print the experiment it returns.
 */
async function onExperimentFile(
  args: { 'data-dir'?: unknown; json?: unknown },
  rawArgs: readonly string[],
  flags: readonly string[],
  action: (file: ExperimentFile, dataDir: string, now: Date) => Experiment | undefined,
  checkArgs: () => void = () => {},
): Promise<void> {
  checkFlags(rawArgs, flags);
  checkArgs();
  const file = await import('../../local/experiment-file.js');
  const now = new Date();
  const experiment = await withLocalErrors(() => action(file, dataDirOf(args['data-dir']), now));
  print(experiment, Boolean(args.json), now);
}

const START_ARGS = {
  id: { type: 'string', description: 'experiment id (A-Z a-z 0-9 _ -, ≤ 64; never reuse one)', required: true },
  start: { type: 'string', description: 'ISO 8601 start (default: now)' },
  'control-share': { type: 'string', description: 'share of viewers held out, (0, 0.5]', default: '0.1' },
  control: { type: 'string', description: 'what control gets: popular | previous-model', default: 'popular' },
  'data-dir': DATA_DIR,
  json: JSON_FLAG,
} as const;

const start = defineCommand({
  meta: { name: 'start', description: 'Start a holdout experiment on the local stage.' },
  args: START_ARGS,
  async run({ args, rawArgs }) {
    const share = Number(args['control-share']);
    const input = {
      id: String(args.id),
      ...(args.start ? { start: String(args.start) } : {}),
      controlShare: share,
      control: String(args.control),
    };
    await onExperimentFile(
      args,
      rawArgs,
      Object.keys(START_ARGS),
      (file, dataDir, now) => file.startLocalExperiment(dataDir, input, now),
      () => {
        if (!/^\d*\.?\d+$/.test(String(args['control-share'])) || !Number.isFinite(share)) {
          throw new UsageError(`--control-share must be a number in (0, 0.5], got "${String(args['control-share'])}"`);
        }
      },
    );
  },
});

const STOP_ARGS = {
  end: { type: 'string', description: 'ISO 8601 end (default: now)' },
  'data-dir': DATA_DIR,
  json: JSON_FLAG,
} as const;

const stop = defineCommand({
  meta: { name: 'stop', description: 'Stop the running experiment (the report still analyses it up to its end).' },
  args: STOP_ARGS,
  async run({ args, rawArgs }) {
    await onExperimentFile(args, rawArgs, Object.keys(STOP_ARGS), (file, dataDir, now) =>
      file.stopLocalExperiment(dataDir, now, args.end ? String(args.end) : undefined),
    );
  },
});

const STATUS_ARGS = { 'data-dir': DATA_DIR, json: JSON_FLAG } as const;

const status = defineCommand({
  meta: { name: 'status', description: "Show the local stage's experiment." },
  args: STATUS_ARGS,
  async run({ args, rawArgs }) {
    await onExperimentFile(args, rawArgs, Object.keys(STATUS_ARGS), (file, dataDir) =>
      file.readLocalExperiment(dataDir),
    );
  },
});

/** `recs experiment`: start, stop and show the local holdout experiment. */
export default defineCommand({
  meta: { name: 'experiment', description: 'Manage the local holdout experiment: start, stop, status.' },
  subCommands: { start, stop, status },
});
