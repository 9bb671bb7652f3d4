import { describe, expect, it } from 'vitest';
import { EaseRecommender } from './ease.js';
import { IalsRecommender } from './ials.js';
import { PopularityRecommender } from './popularity.js';
import type { FitThreads } from './recommender.js';
import { createRng } from './rng.js';
import { makeInteractions } from './testing/fixtures.js';
import { warnOnThreadFallback } from './train.js';

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
