import { describe, expect, it } from 'vitest';
import { makeInteractions } from '../testing/fixtures.js';
import { gridCombinations, tuneOnTraining } from './tune.js';

describe('gridCombinations', () => {
  it('lists every combination, the last key varying fastest', () => {
    expect(gridCombinations({ a: ['1', '2'], b: ['x', 'y'] })).toEqual([
      { a: '1', b: 'x' },
      { a: '1', b: 'y' },
      { a: '2', b: 'x' },
      { a: '2', b: 'y' },
    ]);
  });
});

describe('tuneOnTraining', () => {
  // Planted taste groups: a sensible regularisation ranks them; a crushing one cannot.
  const train = makeInteractions({ viewers: 160, shows: 40, groups: 4, perViewer: 8, seed: 5 });
  const grid = { model: ['ials'], ials_regularization: ['1000', '0.01'], ials_factors: ['8'], ials_iterations: ['4'] };

  it('scores every row on a validation split carved from training and picks the best NDCG', async () => {
    const seen: string[] = [];

    const result = await tuneOnTraining(train, grid, { threads: '1' }, (row) =>
      seen.push(row.hyperparameters.ials_regularization ?? ''),
    );

    expect(seen).toEqual(['1000', '0.01']);
    expect(result.validation).toMatchObject({ fraction: 0.2, seed: 42 });
    expect(result.validation.viewers).toBeGreaterThan(100);
    expect(result.winner.hyperparameters.ials_regularization).toBe('0.01');
    expect(result.winner['ndcg@10']).toBeGreaterThan(result.rows[0]?.['ndcg@10'] ?? 1);
    expect(result.winner.easeRatio).toBeCloseTo(result.winner['ndcg@10'] / result.ease['ndcg@10'], 3);
  });

  it('is reproducible: the same seed gives the same grid scores', async () => {
    const small = { ...grid, ials_regularization: ['0.01'] };
    const [a, b] = [
      await tuneOnTraining(train, small, { threads: '1' }),
      await tuneOnTraining(train, small, { threads: '1' }),
    ];
    expect(b.rows).toEqual(a.rows.map((row) => ({ ...row, trainSeconds: expect.any(Number) })));
  });

  it('rejects a bad grid value before training anything, naming the key', async () => {
    await expect(tuneOnTraining(train, { ials_factors: ['many'] })).rejects.toThrow(/"ials_factors"/);
  });
});
