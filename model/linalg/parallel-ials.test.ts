import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { makeInteractions } from '../testing/fixtures.js';
import { UNDER_MUTATION_RUN } from '../testing/mutation-run.js';
import { gramian } from './cg.js';
import { transpose } from './csr.js';
import { IalsSweeper } from './parallel-ials.js';
import type { SpawnWorker } from './workers.js';

async function sweepOnce(threads: number, spawn?: SpawnWorker) {
  const x = makeInteractions({ viewers: 200, shows: 40, seed: 5 });
  const f = 4;
  const sweeper = await IalsSweeper.start(x, transpose(x), f, 2, 0.1, threads, 0, spawn);
  try {
    sweeper.items.forEach((_, i) => {
      sweeper.items[i] = ((i * 7919) % 13) / 100;
    });
    gramian(sweeper.items, x.cols, f, sweeper.ytY);
    await sweeper.sweep('users', 3);
    return { users: new Float32Array(sweeper.users), threads: sweeper.threads, fallback: sweeper.fallback };
  } finally {
    await sweeper.close();
  }
}

describe('IalsSweeper', () => {
  it.skipIf(UNDER_MUTATION_RUN)('solves the same user factors on two threads as on one', async () => {
    const [one, two] = [await sweepOnce(1), await sweepOnce(2)];

    // Two threads really ran: a silent fallback to one would make the comparison below trivially true.
    expect(two.threads).toBe(2);
    expect(two.fallback).toBeUndefined();
    expect(one.threads).toBe(1);
    expect(one.users.some((v) => v !== 0)).toBe(true);
    expect([...two.users]).toEqual([...one.users]);
  });

  it('runs inline, recording why, when a worker cannot be spawned', async () => {
    const refused = new Error('ERR_WORKER_INIT_FAILED: out of threads');
    const spawn: SpawnWorker = () => {
      throw refused;
    };

    const [one, fallen] = [await sweepOnce(1), await sweepOnce(3, spawn)];

    expect(fallen.threads).toBe(1);
    expect(fallen.fallback).toEqual({ threadsAsked: 3, threadsUsed: 1, error: refused });
    expect([...fallen.users]).toEqual([...one.users]);
  });

  it('runs inline, recording why, when a worker exits before it is ready (and stops the ones that started)', async () => {
    const started: Worker[] = [];
    // The first worker never says ready but stays alive; the second exits at once. Both must be gone afterwards.
    const spawn: SpawnWorker = () => {
      const worker =
        started.length === 0
          ? new Worker('setInterval(() => {}, 1000)', { eval: true })
          : new Worker('process.exit(3)', { eval: true });
      started.push(worker);
      return worker;
    };

    const fallen = await sweepOnce(3, spawn);

    expect(fallen.threads).toBe(1);
    expect(fallen.fallback).toMatchObject({ threadsAsked: 3, threadsUsed: 1 });
    expect(String(fallen.fallback?.error)).toMatch(/worker exited 3 before it was ready/);
    expect(started).toHaveLength(2);
    // A stopped worker's threadId is -1; the one that never said ready would still be running had it been left.
    expect(started.map((worker) => worker.threadId)).toEqual([-1, -1]);
  });
});
