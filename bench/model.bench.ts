// Model benchmark (issues #4, #15): one JSON line per case on stdout (quality, train seconds, peak RSS and, for EASE,
// the Gram + inverse kernel against NumPy/OpenBLAS on the same matrix), anything human on stderr. Each case runs in
// its own child process so peakRssMb is that case's own peak. Fields: bench/README.md.
//   npm run bench:model [-- --cases ml100k,ease-3700] [--eval-viewers 3000] [--repeats 3] [--json]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    cases: {
      type: 'string',
      default: 'ml100k,ml100k-ials,ml100k-large-catalog,ease-3700,synthetic-1m,synthetic-1m-ials,synthetic-10m-ials',
    },
    case: { type: 'string' },
    'eval-viewers': { type: 'string', default: '3000' },
    // Kernel timings are repeated, ours and NumPy's interleaved (alternating which goes first), to show the spread.
    repeats: { type: 'string', default: '3' },
    // Output is always JSON lines; accepted so `recs bench model --json` reads like the other commands.
    json: { type: 'boolean', default: false },
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
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
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

interface Ease {
  fit(x: Csr, rng: unknown): Promise<void>;
  readonly timings?: { gramSeconds: number; inverseSeconds: number };
}
interface Models {
  createModel(name: string, hp: unknown): Ease;
}
interface EaseModule {
  easeRidge(x: Csr, options: { lambda: number; dropout: number }): Float64Array;
}

/** Threads the model uses when `threads` is not set (model/models.ts: both cores of the 2-core instance). */
const defaultThreads = () => Math.min(2, availableParallelism());

/**
 * The per-core training figures `recs plan` reads (bench/README.md): threads used and, for iALS, CPU seconds per
 * iteration per million interactions (its cost is linear in interactions × iterations).
 */
async function perCore(report: Report, interactions: number, hp: Hp): Promise<Report> {
  const { parseHyperparameters } = await load<{ parseHyperparameters(raw: Hp): Record<string, unknown> }>(
    '../model/hyperparameters.js',
  );
  const parsed = parseHyperparameters(hp);
  const threads = Number(parsed.threads ?? defaultThreads());
  if (report.model !== 'ials') return { threads };
  const iterations = Number(parsed.ials_iterations);
  return {
    threads,
    factors: Number(parsed.ials_factors),
    iterations,
    cpuSecondsPerIterationPerMillionInteractions: r4(
      Number(report.trainCpuSeconds) / iterations / Math.max(interactions / 1e6, 1e-9),
    ),
  };
}

const numpyScript = fileURLToPath(new URL('./numpy_gram_inverse.py', import.meta.url));

/** NumPy's Gram + inverse on x + diag(ridge) (bench/numpy_gram_inverse.py), or undefined without python3 + NumPy. */
function numpyGramInverse(folder: string): Record<string, number | string> | undefined {
  // The machine pins OpenBLAS to its Haswell kernels (OPENBLAS_CORETYPE) for old builds' sake; the reference runs
  // the kernel OpenBLAS itself picks (AVX-512 here), its fastest, and reports which.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const run = spawnSync('python3', [numpyScript, folder], { encoding: 'utf8', env });
  if (run.status !== 0) return undefined;
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number | string>;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
const r4 = (v: number) => Number(v.toFixed(4));

/**
 * EASE's Gram + inverse on `train`, ours (the model's own fit, float32 sweep on both cores) and NumPy's (dense
 * float64 XᵀX + np.linalg.inv, OpenBLAS on both cores) on the same matrix and ridge, interleaved `repeats` times.
 * numpyRatio = median over repeats of (our Gram + inverse seconds) / (NumPy's), each pair measured back to back.
 */
async function easeKernelVersusNumpy(train: Csr, hp: Hp): Promise<Report> {
  const { createModel } = await load<Models>('../model/models.js');
  const { easeRidge } = await load<EaseModule>('../model/ease.js');
  const { parseHyperparameters } = await load<{ parseHyperparameters(raw: Hp): Record<string, number | undefined> }>(
    '../model/hyperparameters.js',
  );
  const { createRng } = await load<{ createRng(seed: number): unknown }>('../model/rng.js');
  const parsed = parseHyperparameters({ ...hp, model: 'ease' });
  const folder = mkdtempSync(join(tmpdir(), 'recs-numpy-'));
  try {
    const ridge = easeRidge(train, { lambda: Number(parsed.ease_lambda), dropout: Number(parsed.ease_dropout) });
    writeFileSync(join(folder, 'shape.json'), JSON.stringify({ rows: train.rows, cols: train.cols }));
    writeFileSync(join(folder, 'indptr.i32'), train.indptr);
    writeFileSync(join(folder, 'indices.i32'), train.indices);
    writeFileSync(join(folder, 'data.f32'), train.data);
    writeFileSync(join(folder, 'ridge.f64'), ridge);
    const ours: { fit: number; kernel: number; gram: number; inverse: number }[] = [];
    const numpy: Record<string, number | string>[] = [];
    const repeats = Math.max(1, Number(values.repeats));
    for (let rep = 0; rep < repeats; rep++) {
      const runOurs = async () => {
        const model = createModel('ease', parsed);
        const started = performance.now();
        await model.fit(train, createRng(1));
        const t = model.timings ?? { gramSeconds: Number.NaN, inverseSeconds: Number.NaN };
        const fit = (performance.now() - started) / 1000;
        ours.push({ fit, kernel: t.gramSeconds + t.inverseSeconds, gram: t.gramSeconds, inverse: t.inverseSeconds });
      };
      const runNumpy = () => {
        const result = numpyGramInverse(folder);
        if (result) numpy.push(result);
      };
      if (rep % 2 === 0) {
        await runOurs();
        runNumpy();
      } else {
        runNumpy();
        await runOurs();
      }
      const last = ours.at(-1);
      process.stderr.write(
        `  repeat ${rep + 1}: ours ${last?.kernel.toFixed(2)} s (fit ${last?.fit.toFixed(2)} s), numpy ${numpy.at(-1)?.numpySeconds ?? '—'} s\n`,
      );
    }
    const n = train.cols;
    const kernelSeconds = median(ours.map((o) => o.kernel));
    const inverseSeconds = median(ours.map((o) => o.inverse));
    const result: Report = {
      kernelSeconds: r4(kernelSeconds),
      gramSeconds: r4(median(ours.map((o) => o.gram))),
      inverseSeconds: r4(inverseSeconds),
      fitSeconds: r4(median(ours.map((o) => o.fit))),
      gflops: r4(n ** 3 / inverseSeconds / 1e9),
      gflopsPerThread: r4(n ** 3 / inverseSeconds / 1e9 / Number(parsed.threads ?? defaultThreads())),
      kernelSecondsEach: ours.map((o) => r4(o.kernel)),
    };
    if (numpy.length === ours.length) {
      const ratios = ours.map((o, i) => o.kernel / Number(numpy[i]?.numpySeconds));
      const inverseRatios = ours.map((o, i) => o.inverse / Number(numpy[i]?.numpyInverseSeconds));
      Object.assign(result, {
        numpySeconds: r4(median(numpy.map((x) => Number(x.numpySeconds)))),
        numpyGramSeconds: r4(median(numpy.map((x) => Number(x.numpyGramSeconds)))),
        numpyInverseSeconds: r4(median(numpy.map((x) => Number(x.numpyInverseSeconds)))),
        numpyRatio: r4(median(ratios)),
        numpyRatioEach: ratios.map(r4),
        inverseRatio: r4(median(inverseRatios)),
        numpyVersion: numpy[0]?.numpyVersion,
        openblasCore: numpy[0]?.openblasCore,
      });
    } else process.stderr.write('  python3 with NumPy not found: no numpy fields\n');
    return result;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function movielens(hp: Hp): Promise<Report> {
  const { evaluateTsvCommand } = await load<Offline>('../model/eval/offline.js');
  const report = await evaluateTsvCommand(`${ml100k}train.tsv`, `${ml100k}test.tsv`, hp);
  if (report.model !== 'ease') return { ...report, interactions: 80_000, ...(await perCore(report, 80_000, hp)) };
  const { loadOfflineData } = await load<{ loadOfflineData(a: string, b: string): Promise<{ train: Csr }> }>(
    '../model/eval/offline.js',
  );
  const { train } = await loadOfflineData(`${ml100k}train.tsv`, `${ml100k}test.tsv`);
  return {
    ...report,
    interactions: 80_000,
    ...(await perCore(report, 80_000, hp)),
    ...(await easeKernelVersusNumpy(train, hp)),
  };
}

/** Planted taste groups (model/testing/fixtures.ts), a seeded 20% hold-out, quality on a sample of test viewers. */
async function synthetic(viewers: number, shows: number, perViewer: number, hp: Hp, groups = 50) {
  const { makeInteractions } = await load<Fixtures>('../model/testing/fixtures.js');
  const { holdOut } = await load<Split>('../model/eval/split.js');
  const { evaluateOffline } = await load<Offline>('../model/eval/offline.js');
  const { parseHyperparameters } = await load<{ parseHyperparameters(raw: Hp): unknown }>(
    '../model/hyperparameters.js',
  );
  const { createRng } = await load<{ createRng(seed: number): unknown }>('../model/rng.js');
  const x = makeInteractions({ viewers, shows, groups, perViewer, noise: 0.2, seed: 7 });
  const { train, test } = holdOut(x, 0.2, createRng(1));
  const limit = Number(values['eval-viewers']);
  const step = Math.max(1, Math.floor(test.viewers.length / limit));
  const sample = {
    viewers: test.viewers.filter((_, i) => i % step === 0),
    items: test.items.filter((_, i) => i % step === 0),
    missing: test.missing.filter((_, i) => i % step === 0),
  };
  const report = await evaluateOffline({ train, test: sample }, parseHyperparameters(hp));
  const kernel = report.model === 'ease' ? await easeKernelVersusNumpy(train, hp) : {};
  const interactions = train.indptr[train.rows] ?? 0;
  const figures = await perCore(report, interactions, hp);
  return { ...report, interactions, evalViewersSampled: sample.viewers.length, ...figures, ...kernel };
}

const cases: Record<string, BenchCase> = {
  ml100k: { description: 'MovieLens 100K split, model=auto', run: () => movielens({ model: 'auto' }) },
  'ml100k-ials': { description: 'MovieLens 100K split, iALS', run: () => movielens({ model: 'ials' }) },
  'ml100k-large-catalog': {
    description: 'MovieLens 100K split, the large-catalog path (model=auto, ease_max_items=500)',
    run: () => movielens({ model: 'auto', ease_max_items: '500' }),
  },
  // The shape of MovieLens-1M's training split (6,040 viewers × ~3,700 shows, ~800k interactions), generated.
  'ease-3700': {
    description: '800k interactions: 6,040 viewers × 3,700 shows, EASE vs NumPy Gram + inverse',
    run: () => synthetic(6_040, 3_700, 165, { model: 'ease' }, 10),
  },
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
