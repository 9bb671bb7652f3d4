import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as z from 'zod/mini';
import { type Experiment, ExperimentSchema } from '../functions/_shared/experiment.js';
import { LocalSetupError } from './errors.js';

/**
 * The local stage's experiment (issue #18), as `recs experiment start|stop` leaves it in `<dataDir>/experiment.json`.
 * In AWS the same definition comes from stage params (serverless.yml `experiment*`); locally the runtime and
 * `recs serve` turn this file into the same EXPERIMENT_* environment, and `recs report` reads it directly.
 * The file is versioned: every change bumps `revision` and keeps the replaced experiment in `history`, so a
 * stopped experiment can still be reported on.
 */

const FILE_NAME = 'experiment.json';
const LocalExperimentFile = z.object({
  version: z.literal(1),
  revision: z.number().check(z.int(), z.nonnegative()),
  updatedAt: z.string(),
  experiment: z.nullable(ExperimentSchema),
  history: z.array(ExperimentSchema),
});
export type LocalExperimentFile = z.infer<typeof LocalExperimentFile>;

export const experimentFilePath = (dataDir: string): string => join(dataDir, FILE_NAME);

/** The file's contents; an empty file (revision 0) when none was written yet. */
export function readExperimentFile(dataDir: string): LocalExperimentFile {
  const path = experimentFilePath(dataDir);
  if (!existsSync(path)) return { version: 1, revision: 0, updatedAt: '', experiment: null, history: [] };
  try {
    return LocalExperimentFile.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new LocalSetupError(`${path} is not a valid experiment file (${(error as Error).message.split('\n')[0]})`, {
      cause: error,
    });
  }
}

/** The experiment the local stage runs (or last ran, with an end), if any. */
export function readLocalExperiment(dataDir: string): Experiment | undefined {
  return readExperimentFile(dataDir).experiment ?? undefined;
}

function write(dataDir: string, file: LocalExperimentFile): void {
  const path = experimentFilePath(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  // Write then rename, so a reader never sees half a file.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export interface StartExperimentInput {
  id: string;
  start?: string;
  controlShare?: number;
  control?: string;
}

/** Starts an experiment; refuses while another one runs, and an id used before (its viewers' hashes are spent). */
export function startLocalExperiment(dataDir: string, input: StartExperimentInput, now: Date): Experiment {
  const file = readExperimentFile(dataDir);
  const running = file.experiment;
  if (running && running.end === undefined) {
    throw new LocalSetupError(`experiment ${running.id} is running; stop it first (recs experiment stop)`);
  }
  if ([running, ...file.history].some((past) => past?.id === input.id)) {
    throw new LocalSetupError(`experiment id ${input.id} was used before; pick a new one`);
  }
  const parsed = ExperimentSchema.safeParse({
    id: input.id,
    start: input.start ?? now.toISOString(),
    ...(input.controlShare !== undefined ? { controlShare: input.controlShare } : {}),
    ...(input.control !== undefined ? { control: input.control } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = { controlShare: '--control-share', control: '--control', start: '--start', id: '--id' }[
      String(issue?.path[0]) as 'id'
    ];
    throw new LocalSetupError(`${flag ?? 'experiment'} ${issue?.message ?? 'is invalid'}`);
  }
  write(dataDir, {
    version: 1,
    revision: file.revision + 1,
    updatedAt: now.toISOString(),
    experiment: parsed.data,
    history: running ? [...file.history, running] : file.history,
  });
  return parsed.data;
}

/** Ends the running experiment at `end` (default now); the report keeps analysing it up to that instant. */
export function stopLocalExperiment(dataDir: string, now: Date, end?: string): Experiment {
  const file = readExperimentFile(dataDir);
  const running = file.experiment;
  if (!running || running.end !== undefined) throw new LocalSetupError('no experiment is running');
  const parsed = ExperimentSchema.safeParse({ ...running, end: end ?? now.toISOString() });
  if (!parsed.success) throw new LocalSetupError(`experiment end: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  write(dataDir, { ...file, revision: file.revision + 1, updatedAt: now.toISOString(), experiment: parsed.data });
  return parsed.data;
}
