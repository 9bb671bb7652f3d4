import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../contracts/recommendation-list.js';
import { loadArtifact } from './artifact.js';
import { EaseRecommender } from './ease.js';
import { HyperparameterError, TrainingDataError } from './errors.js';
import { parseHyperparameters } from './hyperparameters.js';
import { IalsRecommender } from './ials.js';
import { optMlPaths } from './paths.js';
import { PopularityRecommender } from './popularity.js';
import type { FitThreads } from './recommender.js';
import { createRng } from './rng.js';
import { makeInteractions, writeChannels } from './testing/fixtures.js';
import { readHyperparameters, train, warnOnThreadFallback } from './train.js';

/** An iALS model as its fit leaves it (the fit itself is covered in ials.test.ts). */
const withThreads = (fitThreads: FitThreads) =>
  Object.assign(
    new IalsRecommender({ factors: 2, iterations: 1, regularization: 0.1, alpha: 2, cgSteps: 1, threads: 2 }),
    { fitThreads },
  );

describe('warnOnThreadFallback', () => {
  it('logs a WARN naming the model, the fit, the threads asked and used, and the error', () => {
    const lines: string[] = [];

    warnOnThreadFallback(withThreads({ requested: 2, used: 1, fallbackError: 'out of threads' }), 'final', (line) =>
      lines.push(line),
    );

    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        level: 'WARN',
        message: 'worker threads failed to start; fitted on fewer threads',
        model: 'ials',
        fit: 'final',
        threadsRequested: 2,
        threadsUsed: 1,
        error: 'out of threads',
      },
    ]);
  });

  it('logs the WARN for an EASE fit whose worker threads failed to start', async () => {
    // Prepare: 256 shows, where the float64 inverse asks for its workers, and a spawn that refuses (#17).
    const ease = new EaseRecommender({
      lambda: 0.5,
      dropout: 0,
      threads: 2,
      precision: 'float64',
      spawnWorker: () => {
        throw new Error('ERR_WORKER_INIT_FAILED: out of threads');
      },
    });
    await ease.fit(makeInteractions({ viewers: 600, shows: 256, seed: 3 }), createRng(1));
    const lines: string[] = [];

    // Act
    warnOnThreadFallback(ease, 'validation', (line) => lines.push(line));

    // Assess
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        level: 'WARN',
        message: 'worker threads failed to start; fitted on fewer threads',
        model: 'ease',
        fit: 'validation',
        threadsRequested: 2,
        threadsUsed: 1,
        error: 'ERR_WORKER_INIT_FAILED: out of threads',
      },
    ]);
  });

  it('says nothing when the fit ran on the threads it planned', () => {
    const lines: string[] = [];

    warnOnThreadFallback(withThreads({ requested: 2, used: 2 }), 'validation', (line) => lines.push(line));
    warnOnThreadFallback(new PopularityRecommender(), 'validation', (line) => lines.push(line));

    expect(lines).toEqual([]);
  });
});

describe('train (the SageMaker training job, in-process)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'recs-train-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  let jobs = 0;
  async function job(viewers: number, hyperparameters: Record<string, string>) {
    const dir = join(root, `job-${jobs++}`);
    await writeChannels(dir, makeInteractions({ viewers, shows: 24, perViewer: 6, seed: 2 }), { hyperparameters });
    const lines: string[] = [];
    return { paths: optMlPaths({ SM_OPT_ML_ROOT: dir }), lines, log: (line: string) => lines.push(line) };
  }

  it('logs the data, the three metric lines the MetricDefinitions read, and writes the artifact with its settings', async () => {
    const { paths, lines, log } = await job(60, { model: 'ease', k: '5', exclude_watched: 'false', min_viewers: '60' });

    const summary = await train(paths, log);

    expect(summary).toMatchObject({ model: 'ease', viewers: 60, shows: 24, interactions: 360, threads: 1 });
    expect(summary.ndcg).toBeGreaterThan(summary.popularityNdcg);
    const json = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    expect(json[0]).toEqual({
      level: 'INFO',
      message: 'training data loaded',
      viewers: 60,
      shows: 24,
      interactions: 360,
      partners: 2,
      hasCatalog: true,
    });
    expect(json.map((line) => line.message)).toEqual(['training data loaded', 'validation done', 'model written']);
    expect(json[1]).toMatchObject({ model: 'ease', validationViewers: 60, threads: 1 });
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([
      `${METRIC_NAMES.ndcg}=${summary.ndcg.toFixed(6)}`,
      `${METRIC_NAMES.recall}=${summary.recall.toFixed(6)}`,
      `${METRIC_NAMES.popularityNdcg}=${summary.popularityNdcg.toFixed(6)}`,
    ]);
    const artifact = await loadArtifact(paths.model);
    expect(artifact).toMatchObject({
      k: 5,
      isExcludingWatched: false,
      metrics: { ndcg: summary.ndcg, recall: summary.recall, popularityNdcg: summary.popularityNdcg },
      model: { name: 'ease' },
      popularity: { name: 'popularity' },
    });
    // The final fit is on every interaction, not the training part of the validation split.
    expect(artifact.dataset.interactions.indptr[60]).toBe(360);
  });

  it('refuses to train on fewer viewers with history than min_viewers, saying how many it found', async () => {
    const { paths, log } = await job(8, { min_viewers: '9' });

    await expect(train(paths, log)).rejects.toThrow(
      new TrainingDataError('too few viewers to train: 8 with viewing history, min_viewers is 9'),
    );
  });

  it('warns that metrics are 0 when no viewer has the 5 shows a validation slice needs', async () => {
    const dir = join(root, 'few-shows');
    await writeChannels(dir, makeInteractions({ viewers: 12, shows: 16, perViewer: 4, seed: 3 }), {
      hyperparameters: { model: 'popularity', min_viewers: '1' },
    });
    const lines: string[] = [];

    const summary = await train(optMlPaths({ SM_OPT_ML_ROOT: dir }), (line) => lines.push(line));

    expect(summary).toMatchObject({ model: 'popularity', ndcg: 0, recall: 0 });
    expect(lines).toContain(JSON.stringify({ level: 'WARN', message: 'no viewer has 5+ shows: metrics are 0' }));
  });
});

describe('readHyperparameters', () => {
  it('uses every default without a file, and names the file when it is not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recs-hp-'));
    const path = join(dir, 'config', 'hyperparameters.json');

    const defaults = await readHyperparameters(path);
    await mkdir(join(dir, 'config'));
    await writeFile(path, '{"k": ');

    expect(defaults).toEqual(parseHyperparameters({}));
    await expect(readHyperparameters(path)).rejects.toThrow(new HyperparameterError(`${path} is not valid JSON`));
    await rm(dir, { recursive: true, force: true });
  });
});
