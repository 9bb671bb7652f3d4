import { describe, expect, it } from 'vitest';
import { IalsRecommender } from './ials.js';
import { PopularityRecommender } from './popularity.js';
import type { FitThreads } from './recommender.js';
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

  it('says nothing when the fit ran on the threads it planned', () => {
    const lines: string[] = [];

    warnOnThreadFallback(withThreads({ requested: 2, used: 2 }), 'validation', (line) => lines.push(line));
    warnOnThreadFallback(new PopularityRecommender(), 'validation', (line) => lines.push(line));

    expect(lines).toEqual([]);
  });
});
