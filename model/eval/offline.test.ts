import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHyperparameters } from '../hyperparameters.js';
import { createModel } from '../models.js';
import { PopularityRecommender } from '../popularity.js';
import { createRng } from '../rng.js';
import { evaluateRanking } from './evaluate.js';
import { buildOfflineData, evaluateOffline, evaluateTsvCommand } from './offline.js';

// `recs evaluate` and `recs tune` (and the figures quoted from them) go through this module: how train and test
// lists become indices decides which shows count as misses and which viewers are averaged over.

const TRAIN = [
  { viewer: 'ann', show: 'x', weight: 1 },
  { viewer: 'ann', show: 'y', weight: 2.5 },
  { viewer: 'bob', show: 'y', weight: 1 },
];

describe('buildOfflineData', () => {
  it('indexes train in first-seen order and keeps test-only viewers as empty rows', () => {
    const { train } = buildOfflineData(TRAIN, [{ viewer: 'cat', show: 'x' }]);

    expect({ rows: train.rows, cols: train.cols }).toEqual({ rows: 3, cols: 2 });
    expect([...train.indptr]).toEqual([0, 2, 3, 3]);
    expect([...train.indices]).toEqual([0, 1, 1]);
    expect([...train.data]).toEqual([1, 2.5, 1]);
  });

  it('lists test viewers in index order, with shows unknown to training counted as missing, not dropped', () => {
    const { test } = buildOfflineData(TRAIN, [
      { viewer: 'cat', show: 'y' },
      { viewer: 'bob', show: 'x' },
      { viewer: 'ann', show: 'z' },
      { viewer: 'ann', show: 'z' },
      { viewer: 'ann', show: 'w' },
    ]);

    expect([...test.viewers]).toEqual([0, 1, 2]);
    expect(test.items.map((items) => [...items])).toEqual([[], [0], [1]]);
    expect([...test.missing]).toEqual([2, 0, 0]);
  });
});

describe('evaluateOffline', () => {
  // Two taste groups over six shows; every viewer holds one show of their group out.
  const train: { viewer: string; show: string; weight: number }[] = [];
  const test: { viewer: string; show: string }[] = [];
  for (let v = 0; v < 12; v++) {
    const group = v % 2 === 0 ? ['a', 'b', 'c'] : ['d', 'e', 'f'];
    const held = group[v % 3];
    for (const show of group) if (show !== held) train.push({ viewer: `v${v}`, show, weight: 1 });
    test.push({ viewer: `v${v}`, show: held });
  }
  const data = buildOfflineData(train, test);

  it("reports the model's and popularity's quality exactly as evaluateRanking measures them, with EASE's kernel", async () => {
    const hp = parseHyperparameters({ model: 'auto', k: '3', ease_max_items: '6' });

    const report = await evaluateOffline(data, hp);

    const model = createModel('ease', hp);
    await model.fit(data.train, createRng(hp.seed));
    const popularity = new PopularityRecommender();
    await popularity.fit(data.train, createRng(hp.seed));
    const quality = evaluateRanking(model, data.train, data.test, 3, popularity);
    const baseline = evaluateRanking(popularity, data.train, data.test, 3);
    expect(report).toMatchObject({
      model: 'ease',
      'recall@10': Number(quality.recall.toFixed(4)),
      'ndcg@10': Number(quality.ndcg.toFixed(4)),
      popularity: { 'recall@10': Number(baseline.recall.toFixed(4)), 'ndcg@10': Number(baseline.ndcg.toFixed(4)) },
      users: 12,
      items: 6,
      k: 3,
    });
    expect(quality.ndcg).toBeGreaterThan(baseline.ndcg);
    expect(report.kernel?.precision).toMatch(/^float(32|64)$/);
    expect(report.trainSeconds).toBeGreaterThanOrEqual(0);
    expect(report.trainCpuSeconds).toBeGreaterThanOrEqual(0);
    expect(report.peakRssMb).toBeGreaterThan(0);
  });

  it('resolves auto to iALS above ease_max_items, which has no EASE kernel figures', async () => {
    const report = await evaluateOffline(data, parseHyperparameters({ model: 'auto', ease_max_items: '5' }));

    expect(report.model).toBe('ials');
    expect(report.kernel).toBeUndefined();
  });
});

describe('evaluateTsvCommand', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('evaluates two TSV files and refuses a bad flag by its key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'offline-'));
    dirs.push(dir);
    const trainPath = join(dir, 'train.tsv');
    const testPath = join(dir, 'test.tsv');
    await writeFile(trainPath, 'ann\tx\nann\ty\t2\nbob\ty\n');
    await writeFile(testPath, 'bob\tx\nann\tz\n');

    const report = await evaluateTsvCommand(trainPath, testPath, { model: 'popularity', k: '2' });

    // bob's x is popularity's only unseen show (a hit at rank 1); ann's z was never trained on (a miss).
    expect(report).toMatchObject({ model: 'popularity', users: 2, items: 2, k: 2, 'recall@10': 0.5 });
    await expect(evaluateTsvCommand(trainPath, testPath, { k: 'ten' })).rejects.toThrow(
      /^hyperparameter "k": .*\(got "ten"\)$/,
    );
  });
});
