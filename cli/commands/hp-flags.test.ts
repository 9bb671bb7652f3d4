import { describe, expect, it } from 'vitest';
import { parseHpFlags } from './hp-flags.js';

describe('--hp flags', () => {
  it('collects every repeated --hp key=value, in both spellings, the last one winning', () => {
    const raw = parseHpFlags([
      '--train',
      't.tsv',
      '--hp',
      'ease_max_items=500',
      '--hp=ials_factors=128',
      '--hp',
      'ease_max_items=400',
    ]);
    expect(raw).toEqual({ ease_max_items: '400', ials_factors: '128' });
  });

  it('refuses a value without a key', () => {
    expect(() => parseHpFlags(['--hp', '=3'])).toThrow(/--hp expects key=value/);
    expect(() => parseHpFlags(['--hp'])).toThrow(/--hp expects key=value/);
  });
});
