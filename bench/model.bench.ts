// Model benchmark (issue #4): one JSON line per case on stdout (quality, train seconds, peak RSS), anything human on
// stderr. Each case runs in its own child process so peakRssMb is that case's own peak.
//   npm run bench:model [-- --cases ml100k,synthetic-1m,synthetic-10m] [--eval-viewers 3000]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: 'ml100k,ml100k-ials,synthetic-1m,synthetic-1m-ials,synthetic-10m-ials' },
    case: { type: 'string' },
    'eval-viewers': { type: 'string', default: '3000' },
  },
});

// model/ has its own tsconfig (noUncheckedIndexedAccess off); load it through specifiers the root program skips.
const load = async <T>(path: string): Promise<T> => (await import(path)) as T;
const ml100k = fileURLToPath(new URL('../../shared/data/movielens-100k/split/', import.meta.url));

interface BenchCase {
  readonly description: string;
  readonly run: () => Promise<Record<string, unknown>>;
}

// Local shapes of the model/ functions used here (type queries would pull model/ into the root program).
type Report = Record<string, unknown>;
type Hp = Record<string, string>;
interface Csr {
  readonly rows: number;
  readonly indptr: Int32Array;
}
interface TestSet {
  readonly viewers: Int32Array;
  readonly items: readonly Int32Array[];
  readonly missing: Int32Array;
}
interface Offline {
  evaluateTsvCommand(train: string, test: string, raw: Hp): Promise<Report>;
  evaluateOffline(data: { train: Csr; test: TestSet }, hp: unknown): Promise<Report>;
}
interface Fixtures {
  makeInteractions(o: Record<string, number>): Csr;
}
interface Split {
  holdOut(x: Csr, fraction: number, rng: unknown): { train: Csr; test: TestSet };
}

async function movielens(model: string): Promise<Report> {
  const { evaluateTsvCommand } = await load<Offline>('../model/eval/offline.js');
  const report = await evaluateTsvCommand(`${ml100k}train.tsv`, `${ml100k}test.tsv`, { model });
  return { ...report, interactions: 80_000 };
}

/** Planted taste groups (model/testing/fixtures.ts), a seeded 20% hold-out, quality on a sample of test viewers. */
async function synthetic(viewers: number, shows: number, perViewer: number, hp: Hp) {
  const { makeInteractions } = await load<Fixtures>('../model/testing/fixtures.js');
  const { holdOut } = await load<Split>('../model/eval/split.js');
  const { evaluateOffline } = await load<Offline>('../model/eval/offline.js');
  const { parseHyperparameters } = await load<{ parseHyperparameters(raw: Hp): unknown }>(
    '../model/hyperparameters.js',
  );
  const { createRng } = await load<{ createRng(seed: number): unknown }>('../model/rng.js');
  const x = makeInteractions({ viewers, shows, groups: 50, perViewer, noise: 0.2, seed: 7 });
  const { train, test } = holdOut(x, 0.2, createRng(1));
  const limit = Number(values['eval-viewers']);
  const step = Math.max(1, Math.floor(test.viewers.length / limit));
  const sample = {
    viewers: test.viewers.filter((_, i) => i % step === 0),
    items: test.items.filter((_, i) => i % step === 0),
    missing: test.missing.filter((_, i) => i % step === 0),
  };
  const report = await evaluateOffline({ train, test: sample }, parseHyperparameters(hp));
  return { ...report, interactions: train.indptr[train.rows], evalViewersSampled: sample.viewers.length };
}

const cases: Record<string, BenchCase> = {
  ml100k: { description: 'MovieLens 100K split, model=auto', run: () => movielens('auto') },
  'ml100k-ials': { description: 'MovieLens 100K split, iALS', run: () => movielens('ials') },
  'synthetic-1m': {
    description: '1M interactions: 50k viewers × 2,000 shows, model=auto (EASE)',
    run: () => synthetic(50_000, 2_000, 25, {}),
  },
  'synthetic-1m-ials': {
    description: '1M interactions: 50k viewers × 20,000 shows, model=auto (iALS)',
    run: () => synthetic(50_000, 20_000, 25, {}),
  },
  'synthetic-10m-ials': {
    description: '10M interactions: 500k viewers × 20,000 shows, iALS with 3 iterations',
    run: () => synthetic(500_000, 20_000, 25, { model: 'ials', ials_iterations: '3' }),
  },
  // Not in the default list: ~15 min on 2 cores. The same iterations as the 1M row, so the growth is like for like.
  'synthetic-10m-ials-full': {
    description: '10M interactions: 500k viewers × 20,000 shows, model=auto (iALS, default iterations)',
    run: () => synthetic(500_000, 20_000, 25, {}),
  },
};

if (values.case) {
  const bench = cases[values.case];
  if (!bench) throw new Error(`unknown case ${values.case}`);
  const result = await bench.run();
  process.stdout.write(
    `${JSON.stringify({ bench: `model.${values.case}`, ...result, node: process.version, cpu: cpus()[0]?.model, cores: cpus().length })}\n`,
  );
} else {
  for (const name of (values.cases ?? '').split(',').filter(Boolean)) {
    if (!cases[name]) {
      process.stderr.write(`unknown case ${name}; known: ${Object.keys(cases).join(', ')}\n`);
      process.exitCode = 2;
      continue;
    }
    if (name.startsWith('ml100k') && !existsSync(`${ml100k}train.tsv`)) {
      process.stderr.write(`skipping ${name}: ${ml100k} is absent (MovieLens is read from ../shared only)\n`);
      continue;
    }
    process.stderr.write(`${name}: ${cases[name]?.description}…\n`);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', name], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    if (child.status !== 0) process.stderr.write(`${name} failed (exit ${child.status})\n`);
  }
}
