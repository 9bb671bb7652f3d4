import { readInteractionsTsv } from '../data/tsv.js';
import { parseHyperparameters } from '../hyperparameters.js';
import type { Csr } from '../linalg/csr.js';
import { createRng } from '../rng.js';
import { buildOfflineData, evaluateOffline } from './offline.js';
import { holdOut } from './split.js';

/**
 * The grid `recs tune` searches by default: the large-catalog path (iALS, as `model=auto` runs it above
 * `ease_max_items`): regularisation λ (the held-out benchmark gained most from it), the confidence slope α
 * (the best λ grows with it) and the frequency exponent ν (Rendle et al. 2021). It refines a coarser first pass
 * (λ 0.003–0.1 × ν 0, 1 × α 1, 4 × 64, 128 factors: 128 factors never beat 64, λ = 0.1 collapsed to popularity),
 * recorded in bench/README.md.
 */
export const defaultIalsGrid: Readonly<Record<string, readonly string[]>> = {
  model: ['ials'],
  ials_regularization: ['0.06', '0.1', '0.15', '0.25'],
  ials_alpha: ['2', '4', '8'],
  ials_frequency_exponent: ['0', '0.5'],
};

export interface TuneRow {
  readonly hyperparameters: Readonly<Record<string, string>>;
  readonly 'ndcg@10': number;
  readonly 'recall@10': number;
  readonly trainSeconds: number;
  /** This row's validation NDCG@10 over EASE's on the same validation split. */
  readonly easeRatio: number;
}

export interface TuneResult {
  readonly validation: { readonly fraction: number; readonly seed: number; readonly viewers: number };
  readonly ease: { readonly 'ndcg@10': number };
  readonly rows: readonly TuneRow[];
  readonly winner: TuneRow;
}

/** Every combination of the grid's values, keys in the grid's order, the last key varying fastest. */
export function gridCombinations(grid: Readonly<Record<string, readonly string[]>>): Record<string, string>[] {
  let combos: Record<string, string>[] = [{}];
  for (const [key, options] of Object.entries(grid)) {
    combos = combos.flatMap((combo) => options.map((value) => ({ ...combo, [key]: value })));
  }
  return combos;
}

/**
 * Grid search on a validation split carved from the training matrix (never the test split): the REFERENCE.md
 * hold-out (a seeded `fraction` of each viewer with ≥ 5 shows), the same seed for every row, so the search is
 * reproducible and every row sees the same split. Each row is `base` overridden by one combination, validated by
 * the training job's schema; the winner is the best validation NDCG@10 (the first such on ties).
 */
export async function tuneOnTraining(
  train: Csr,
  grid: Readonly<Record<string, readonly string[]>>,
  base: Readonly<Record<string, string>> = {},
  onRow: (row: TuneRow) => void = () => {},
): Promise<TuneResult> {
  const baseHp = parseHyperparameters(base);
  const fraction = baseHp.validation_fraction;
  const split = holdOut(train, fraction, createRng(baseHp.seed));
  const combos = gridCombinations(grid);
  for (const combo of combos) parseHyperparameters({ ...base, ...combo });
  const ease = await evaluateOffline(split, parseHyperparameters({ ...base, model: 'ease' }));
  const rows: TuneRow[] = [];
  for (const combo of combos) {
    const report = await evaluateOffline(split, parseHyperparameters({ ...base, ...combo }));
    const row: TuneRow = {
      hyperparameters: combo,
      'ndcg@10': report['ndcg@10'],
      'recall@10': report['recall@10'],
      trainSeconds: report.trainSeconds,
      easeRatio: Number((report['ndcg@10'] / ease['ndcg@10']).toFixed(4)),
    };
    rows.push(row);
    onRow(row);
  }
  const winner = rows.reduce((best, row) => (row['ndcg@10'] > best['ndcg@10'] ? row : best));
  return {
    validation: { fraction, seed: baseHp.seed, viewers: split.test.viewers.length },
    ease: { 'ndcg@10': ease['ndcg@10'] },
    rows,
    winner,
  };
}

/** Entry point for `recs tune`: the training TSV only; grid values and base flags validated like hyperparameters. */
export async function tuneTsvCommand(
  trainPath: string,
  grid: Readonly<Record<string, readonly string[]>>,
  base: Readonly<Record<string, string>>,
  onRow?: (row: TuneRow) => void,
): Promise<TuneResult> {
  const { train } = buildOfflineData(await readInteractionsTsv(trainPath), []);
  return tuneOnTraining(train, grid, base, onRow);
}
