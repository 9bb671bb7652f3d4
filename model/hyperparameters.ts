import { z } from 'zod';
import { TOP_K } from '../contracts/recommendation-list.js';
import { HyperparameterError } from './errors.js';

// SageMaker writes every hyperparameter as a string, so numbers and booleans are coerced here, once.
const bool = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False', '1', '0'])]).transform((v) => {
  if (typeof v === 'boolean') return v;
  return v.toLowerCase() === 'true' || v === '1';
});
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max = Number.POSITIVE_INFINITY) => z.coerce.number().min(min).max(max);

const Hyperparameters = z
  .object({
    model: z.enum(['auto', 'ease', 'ials', 'popularity']).default('auto'),
    /** At most the contract's TOP_K; training evaluates at TOP_K whatever k is. */
    k: int(1, TOP_K).default(TOP_K),
    seed: int(0, 0xffffffff).default(42),
    validation_fraction: num(0, 0.9).default(0.2),
    exclude_watched: bool.default(true),
    min_viewers: int(1).default(10),
    /** Implicit-feedback weighting, see weights.ts. */
    weight_alpha: num(0, 100).default(0.5),
    /** `auto` picks EASE up to this many shows, iALS above (EASE costs O(shows³) time and 12·shows² bytes). */
    ease_max_items: int(1, 50_000).default(4000),
    ease_lambda: num(0).default(7),
    ease_dropout: num(0, 100).default(1),
    /** float32 = blocked sweep on WebAssembly SIMD (fast); float64 = Cholesky in TypeScript (reference). */
    ease_precision: z.enum(['float32', 'float64']).default('float32'),
    // iALS defaults: the winner of `recs tune` (model/eval/tune.ts defaultIalsGrid) on MovieLens-100K's training split,
    // checked on a 5,000-show synthetic catalog where every λ of the grid stays within 1 % of EASE (bench/README.md).
    ials_factors: int(1, 1024).default(64),
    ials_iterations: int(1, 1000).default(10),
    ials_regularization: num(0).default(0.15),
    /**
     * Confidence is 1 + α·w for a watched show and 1 otherwise, so α = 0 carries no signal; linalg/cg.ts also scales
     * λ by the observed mass α·Σw, which α = 0 would collapse to no regularisation at all.
     */
    ials_alpha: z.coerce.number().positive().default(4),
    ials_cg_steps: int(1, 100).default(3),
    /** ν: regularisation scaled by each row's observed loss mass to this power (Rendle et al. 2021, linalg/cg.ts). */
    ials_frequency_exponent: num(0, 2).default(0.5),
    threads: int(1, 64).optional(),
  })
  .strict();

export type Hyperparameters = z.infer<typeof Hyperparameters>;

/**
 * Validates raw hyperparameters (string values as SageMaker writes them, or already typed); unknown keys are errors
 * except SageMaker's own `sagemaker_*` ones. Throws HyperparameterError naming the first bad key.
 */
export function parseHyperparameters(raw: unknown): Hyperparameters {
  const input =
    raw && typeof raw === 'object'
      ? Object.fromEntries(Object.entries(raw).filter(([key]) => !key.startsWith('sagemaker_')))
      : raw;
  const result = Hyperparameters.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new HyperparameterError('invalid hyperparameters');
  if (issue.code === 'unrecognized_keys') {
    throw new HyperparameterError(`unknown hyperparameter "${issue.keys.join('", "')}"`);
  }
  const key = issue.path.join('.') || '(root)';
  const value = key in Object(input) ? ` (got ${JSON.stringify((input as Record<string, unknown>)[key])})` : '';
  throw new HyperparameterError(`hyperparameter "${key}": ${issue.message}${value}`);
}
