import { availableParallelism } from 'node:os';
import { EaseRecommender } from './ease.js';
import type { Hyperparameters } from './hyperparameters.js';
import { IalsRecommender } from './ials.js';
import type { Csr } from './linalg/csr.js';
import { PopularityRecommender } from './popularity.js';
import type { ModelName, ModelState, Recommender } from './recommender.js';

/** Both cores of the 2-core training instance; more threads stop paying once the inverse is memory-bound. */
const defaultThreads = (): number => Math.min(2, availableParallelism());

/** The `model=auto` rule: EASE while its O(shows³) inverse and 12·shows² bytes stay affordable, iALS beyond. */
export function resolveModelName(requested: Hyperparameters['model'], items: number, easeMaxItems: number): ModelName {
  if (requested !== 'auto') return requested;
  return items <= easeMaxItems ? 'ease' : 'ials';
}

/** A fresh, unfitted model of the given kind, configured from hyperparameters. */
export function createModel(name: ModelName, hp: Hyperparameters): Recommender {
  switch (name) {
    case 'ease':
      return new EaseRecommender({
        lambda: hp.ease_lambda,
        dropout: hp.ease_dropout,
        precision: hp.ease_precision,
        threads: hp.threads ?? defaultThreads(),
      });
    case 'ials':
      return new IalsRecommender({
        factors: hp.ials_factors,
        iterations: hp.ials_iterations,
        regularization: hp.ials_regularization,
        alpha: hp.ials_alpha,
        cgSteps: hp.ials_cg_steps,
        frequencyExponent: hp.ials_frequency_exponent,
        threads: hp.threads ?? defaultThreads(),
      });
    case 'popularity':
      return new PopularityRecommender();
  }
}

/** Rebuilds a fitted model from its saved state and the interactions it was fitted on. */
export function restoreModel(state: ModelState, interactions: Csr): Recommender {
  switch (state.name) {
    case 'ease':
      return EaseRecommender.fromState(state, interactions);
    case 'ials':
      return IalsRecommender.fromState(state, interactions);
    case 'popularity':
      return PopularityRecommender.fromState(state);
  }
}
