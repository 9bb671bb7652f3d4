import { describe, expect, it } from 'vitest';
import { makeInteractions } from '../testing/fixtures.js';
import { gramian } from './cg.js';
import { transpose } from './csr.js';
import { IalsSweeper } from './parallel-ials.js';

async function sweepOnce(threads: number): Promise<Float32Array> {
  const x = makeInteractions({ viewers: 200, shows: 40, seed: 5 });
  const f = 4;
  const sweeper = await IalsSweeper.start(x, transpose(x), f, 2, 0.1, threads);
  try {
    sweeper.items.forEach((_, i) => {
      sweeper.items[i] = ((i * 7919) % 13) / 100;
    });
    gramian(sweeper.items, x.cols, f, sweeper.ytY);
    await sweeper.sweep('users', 3);
    return new Float32Array(sweeper.users);
  } finally {
    await sweeper.close();
  }
}

describe('IalsSweeper', () => {
  it('solves the same user factors on two threads as on one', async () => {
    const [one, two] = [await sweepOnce(1), await sweepOnce(2)];
    expect(one.some((v) => v !== 0)).toBe(true);
    expect([...two]).toEqual([...one]);
  });
});
