import { describe, expect, it } from 'vitest';
import { parseGridFlags } from './tune.js';

describe('--grid flags', () => {
  it('collects each repeated --grid key=v1,v2 in both spellings', () => {
    expect(parseGridFlags(['--train', 'x', '--grid', 'ials_factors=64,128', '--grid=ials_alpha=1'])).toEqual({
      ials_factors: ['64', '128'],
      ials_alpha: ['1'],
    });
  });

  it('refuses a grid without values', () => {
    expect(() => parseGridFlags(['--grid', 'ials_factors='])).toThrow(/--grid expects key=v1,v2/);
  });
});
