import { IdIndex } from '../data/ids.js';
import { readInteractionsTsv } from '../data/tsv.js';
import { EaseRecommender } from '../ease.js';
import { type Hyperparameters, parseHyperparameters } from '../hyperparameters.js';
import { type Csr, csrFromTriples } from '../linalg/csr.js';
import { createModel, resolveModelName } from '../models.js';
import { PopularityRecommender } from '../popularity.js';
import { createRng } from '../rng.js';
import { evaluateRanking } from './evaluate.js';
import type { OfflineReport } from './offline-report.js';
import type { TestSet } from './split.js';

/** A train matrix plus a test set over the same viewer and item indices (test-only shows become misses). */
export interface OfflineData {
  readonly train: Csr;
  readonly test: TestSet;
}

/** Indexes train/test interaction lists the way REFERENCE.md's protocol needs. */
export function buildOfflineData(
  train: readonly { viewer: string; show: string; weight: number }[],
  test: readonly { viewer: string; show: string }[],
): OfflineData {
  const viewers = new IdIndex();
  const items = new IdIndex();
  const rows = new Int32Array(train.length);
  const cols = new Int32Array(train.length);
  const vals = new Float32Array(train.length);
  train.forEach((r, t) => {
    rows[t] = viewers.add(r.viewer);
    cols[t] = items.add(r.show);
    vals[t] = r.weight;
  });
  const byViewer = new Map<number, { items: Set<number>; missing: Set<string> }>();
  for (const r of test) {
    const u = viewers.add(r.viewer);
    let entry = byViewer.get(u);
    if (!entry) {
      entry = { items: new Set(), missing: new Set() };
      byViewer.set(u, entry);
    }
    const j = items.get(r.show);
    if (j >= 0) entry.items.add(j);
    else entry.missing.add(r.show);
  }
  const testViewers = [...byViewer.keys()].sort((a, b) => a - b);
  return {
    train: csrFromTriples(viewers.size, items.size, rows, cols, vals),
    test: {
      viewers: Int32Array.from(testViewers),
      items: testViewers.map((u) => Int32Array.from(byViewer.get(u)?.items ?? [])),
      missing: Int32Array.from(testViewers.map((u) => byViewer.get(u)?.missing.size ?? 0)),
    },
  };
}

/** Trains `hp.model` and the popularity baseline on data.train and scores both on data.test. */
export async function evaluateOffline(data: OfflineData, hp: Hyperparameters): Promise<OfflineReport> {
  const name = resolveModelName(hp.model, data.train.cols, hp.ease_max_items);
  const model = createModel(name, hp);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await model.fit(data.train, createRng(hp.seed));
  const trainSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const popularity = new PopularityRecommender();
  await popularity.fit(data.train, createRng(hp.seed));
  const quality = evaluateRanking(model, data.train, data.test, hp.k, popularity);
  const baseline = evaluateRanking(popularity, data.train, data.test, hp.k);
  const timings = model instanceof EaseRecommender ? model.timings : undefined;
  return {
    model: name,
    'recall@10': round(quality.recall),
    'ndcg@10': round(quality.ndcg),
    popularity: { 'recall@10': round(baseline.recall), 'ndcg@10': round(baseline.ndcg) },
    trainSeconds: round(trainSeconds, 3),
    trainCpuSeconds: round((cpu.user + cpu.system) / 1e6, 3),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(timings && {
      kernel: {
        precision: timings.precision,
        gramSeconds: round(timings.gramSeconds, 3),
        inverseSeconds: round(timings.inverseSeconds, 3),
        gflops: round(data.train.cols ** 3 / Math.max(timings.inverseSeconds, 1e-9) / 1e9, 2),
      },
    }),
    users: quality.users,
    items: data.train.cols,
    k: hp.k,
  };
}

/** Train and test TSV files (`viewer<TAB>show[<TAB>weight]`) indexed for evaluateOffline. */
export async function loadOfflineData(trainPath: string, testPath: string): Promise<OfflineData> {
  const [train, test] = await Promise.all([readInteractionsTsv(trainPath), readInteractionsTsv(testPath)]);
  return buildOfflineData(train, test);
}

/** evaluateOffline over two TSV files of `viewer<TAB>show[<TAB>weight]`. */
export async function evaluateTsvFiles(
  trainPath: string,
  testPath: string,
  hp: Hyperparameters,
): Promise<OfflineReport> {
  return evaluateOffline(await loadOfflineData(trainPath, testPath), hp);
}

const round = (value: number, digits = 4): number => Number(value.toFixed(digits));

/** Entry point for `recs evaluate`: raw flag values are validated like hyperparameters (errors name the key). */
export async function evaluateTsvCommand(
  trainPath: string,
  testPath: string,
  raw: Readonly<Record<string, string>>,
): Promise<OfflineReport> {
  return evaluateTsvFiles(trainPath, testPath, parseHyperparameters(raw));
}
