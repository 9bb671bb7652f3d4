// `npm run package [-- <stage>] [--if-needed]`: writes the CloudFormation template to .serverless/ with no network
// and no AWS credentials. The ci stage's params are placeholders; a real deploy passes its own (README "Deploy").
// --if-needed skips packaging when .serverless/ already holds this stage's template built from the same inputs
// (tests and `npm run lint:template` share one packaging); a lock keeps two callers from packaging at once.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const ifNeeded = args.includes('--if-needed');
const stage = args.find((arg) => !arg.startsWith('--')) ?? 'ci';

// Everything the packaged template (and the bundles it names) is built from.
const INPUTS = [
  'serverless.yml',
  'package-lock.json',
  'scripts/package.mjs',
  'resources',
  'statemachines',
  'functions',
];
const marker = join(root, '.serverless', 'inputs.sha256');
const lock = join(root, '.serverless.lock');

function inputsHash() {
  const hash = createHash('sha256').update(`stage=${stage}\n`);
  const files = INPUTS.flatMap((input) => {
    const path = join(root, input);
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path, { recursive: true })
      .map((entry) => join(path, String(entry)))
      .filter((file) => statSync(file).isFile() && !file.endsWith('.test.ts'));
  });
  for (const file of files.sort()) hash.update(`${relative(root, file)}\n`).update(readFileSync(file));
  return hash.digest('hex');
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function withLock(fn) {
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // A lock older than packaging ever takes was left by a killed process.
      if (Date.now() - statSync(lock).mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      else sleep(500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

process.exitCode = withLock(() => {
  const hash = inputsHash();
  if (ifNeeded && existsSync(marker) && readFileSync(marker, 'utf8') === hash) return 0;
  const result = spawnSync('npx', ['osls', 'package', '--stage', stage], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      SLS_DEPRECATION_DISABLE: '*',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Packaging never calls AWS; placeholder credentials stop the SDK from probing instance metadata.
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'packaging-only',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'packaging-only',
    },
  });
  if (result.status === 0) writeFileSync(marker, hash);
  return result.status ?? 1;
});
