import { describe, expect, it } from 'vitest';
import { HyperparameterError } from './errors.js';
import { parseHyperparameters } from './hyperparameters.js';

describe('parseHyperparameters', () => {
  it('fills every default from an empty object', () => {
    const hp = parseHyperparameters({});
    expect(hp).toMatchObject({
      model: 'auto',
      k: 10,
      seed: 42,
      validation_fraction: 0.2,
      exclude_watched: true,
      min_viewers: 10,
    });
  });

  it('coerces the string values SageMaker writes', () => {
    const hp = parseHyperparameters({ model: 'ease', k: '5', seed: '7', exclude_watched: 'false', ease_lambda: '2.5' });
    expect(hp).toMatchObject({ model: 'ease', k: 5, seed: 7, exclude_watched: false, ease_lambda: 2.5 });
  });

  it('reads booleans as SageMaker and JSON write them', () => {
    const flag = (value: unknown) => parseHyperparameters({ exclude_watched: value }).exclude_watched;
    expect([true, 'true', 'True', '1'].map(flag)).toEqual([true, true, true, true]);
    expect([false, 'false', 'False', '0'].map(flag)).toEqual([false, false, false, false]);
  });

  it('treats no hyperparameters file as all defaults, and names the root when the whole value is wrong', () => {
    expect(parseHyperparameters(undefined)).toEqual(parseHyperparameters({}));
    expect(() => parseHyperparameters('k=5')).toThrow(/hyperparameter "\(root\)"/);
  });

  it('names the key of a bad value', () => {
    expect(() => parseHyperparameters({ k: 'ten' })).toThrow(HyperparameterError);
    expect(() => parseHyperparameters({ k: 'ten' })).toThrow(/hyperparameter "k".*"ten"/);
    expect(() => parseHyperparameters({ model: 'svd' })).toThrow(/hyperparameter "model"/);
    expect(() => parseHyperparameters({ exclude_watched: 'maybe' })).toThrow(/"exclude_watched"/);
    expect(() => parseHyperparameters({ validation_fraction: '1.5' })).toThrow(/"validation_fraction"/);
  });

  it('rejects unknown keys but lets SageMaker’s own through', () => {
    expect(() => parseHyperparameters({ lamda: '3' })).toThrow(/unknown hyperparameter "lamda"/);
    expect(parseHyperparameters({ sagemaker_program: 'x' }).model).toBe('auto');
  });

  it('validates the EASE precision and the iALS frequency exponent', () => {
    expect(parseHyperparameters({ ease_precision: 'float64', ials_frequency_exponent: '0.5' })).toMatchObject({
      ease_precision: 'float64',
      ials_frequency_exponent: 0.5,
    });
    expect(() => parseHyperparameters({ ease_precision: 'float16' })).toThrow(/"ease_precision"/);
    expect(() => parseHyperparameters({ ials_frequency_exponent: '-1' })).toThrow(/"ials_frequency_exponent"/);
    // α = 0 leaves watched and unwatched shows the same weight and λ scaled by nothing.
    expect(() => parseHyperparameters({ ials_alpha: '0' })).toThrow(/hyperparameter "ials_alpha".*"0"/);
    expect(parseHyperparameters({ ials_alpha: '0.01' }).ials_alpha).toBe(0.01);
  });
});
