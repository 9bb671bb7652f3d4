import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LocalSetupError } from './errors.js';

/**
 * The data dir (`.recs/` by default) holds everything a local run leaves: s3/, dynamodb/, warehouse/,
 * sagemaker/ and executions/. A marker file tells it apart from any other folder, so `--reset` never
 * deletes something that is not ours and a damaged dir is reported instead of silently reused.
 */
const MARKER = 'recs-data-dir.json';
const VERSION = 1;

export const dataPaths = (dataDir: string) => ({
  s3: join(dataDir, 's3'),
  dynamodb: join(dataDir, 'dynamodb'),
  warehouse: join(dataDir, 'warehouse'),
  sagemaker: join(dataDir, 'sagemaker'),
  executions: join(dataDir, 'executions'),
  sample: join(dataDir, 'sample.json'),
});

/** Creates (or, with `reset`, recreates) the data dir; throws LocalSetupError when it is unusable. */
export function prepareDataDir(dataDir: string, options: { reset?: boolean } = {}): void {
  if (existsSync(dataDir)) {
    if (!statSync(dataDir).isDirectory()) throw new LocalSetupError(`data dir ${dataDir} is not a directory`);
    const entries = readdirSync(dataDir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new LocalSetupError(`${dataDir} is not a recs data dir (no ${MARKER}); choose another --data-dir`);
    }
    if (entries.includes(MARKER)) checkMarker(dataDir);
    if (options.reset) rmSync(dataDir, { recursive: true, force: true });
  }
  try {
    makeDirs(resolve(dataDir));
    accessSync(dataDir, constants.W_OK);
    if (!existsSync(join(dataDir, MARKER))) {
      writeFileSync(
        join(dataDir, MARKER),
        `${JSON.stringify({ version: VERSION, createdAt: new Date().toISOString() })}\n`,
      );
    }
  } catch (error) {
    if (error instanceof LocalSetupError) throw error;
    throw new LocalSetupError(
      `cannot write data dir ${dataDir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

// Node 20's recursive mkdirSync never returns on some pseudo file systems (/proc); one level at a time fails fast.
function makeDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  mkdirSync(dir);
}

function checkMarker(dataDir: string): void {
  try {
    const marker = JSON.parse(readFileSync(join(dataDir, MARKER), 'utf8')) as { version?: unknown };
    if (marker.version !== VERSION) throw new Error(`version ${String(marker.version)}`);
  } catch (error) {
    throw new LocalSetupError(
      `data dir ${dataDir} is corrupt (${MARKER}: ${(error as Error).message.replace(/\s+/g, ' ')}); rerun with --reset`,
      {
        cause: error,
      },
    );
  }
}

/** What to tell someone whose data dir holds no local run yet: where we looked and how to make one (issue #16). */
export const noLocalRunYet = (dataDir: string) =>
  `no local run in ${dataDir} yet: run \`npm start\` first (or pass the --data-dir that \`recs run\` used)`;
