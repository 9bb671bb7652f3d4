import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import { ialsSweep } from './cg.js';
import type { Csr } from './csr.js';
import { type SpawnWorker, spawnSelf, type ThreadFallback, toShared, whenReady } from './workers.js';

interface SweepSetup {
  readonly kind: 'ials-sweep';
  readonly byUser: Csr;
  readonly byItem: Csr;
  readonly users: Float32Array<ArrayBufferLike>;
  readonly items: Float32Array<ArrayBufferLike>;
  readonly ytY: Float64Array<ArrayBufferLike>;
  readonly f: number;
  readonly alpha: number;
  readonly regularization: number;
  readonly frequencyExponent: number;
}

interface SweepCommand {
  readonly side: 'users' | 'items';
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly cgSteps: number;
}

const sharedCsr = (m: Csr): Csr => ({
  rows: m.rows,
  cols: m.cols,
  indptr: toShared(m.indptr),
  indices: toShared(m.indices),
  data: toShared(m.data),
});

function runSweep(s: SweepSetup, c: SweepCommand): void {
  const [cui, x, y] = c.side === 'users' ? [s.byUser, s.users, s.items] : [s.byItem, s.items, s.users];
  ialsSweep(cui, s.alpha, x, y, s.f, s.ytY, s.regularization, c.cgSteps, c.rowStart, c.rowEnd, s.frequencyExponent);
}

/**
 * iALS sweeps on the caller's thread plus `threads − 1` workers, all on shared factor matrices. Each row's solve is
 * independent, so rows are split into contiguous ranges of about equal cost (Σ 2f·|row| + f²) and the result does
 * not depend on the thread count. Build with `start`; always `close`.
 */
export class IalsSweeper {
  private constructor(
    private readonly setup: SweepSetup,
    private readonly workers: Worker[],
    /** Set when workers were asked for but failed to start; the trainer logs and reports it (#17). */
    readonly fallback?: ThreadFallback,
  ) {}

  /**
   * Shared copies of the inputs plus started workers; with threads ≤ 1 it runs inline, and when the workers fail to
   * start it also runs inline, recording why in `fallback`.
   */
  static async start(
    byUser: Csr,
    byItem: Csr,
    f: number,
    alpha: number,
    regularization: number,
    threads: number,
    frequencyExponent = 0,
    spawn: SpawnWorker = spawnSelf,
  ): Promise<IalsSweeper> {
    const isParallel = threads > 1;
    const setup: SweepSetup = {
      kind: 'ials-sweep',
      byUser: isParallel ? sharedCsr(byUser) : byUser,
      byItem: isParallel ? sharedCsr(byItem) : byItem,
      users: isParallel
        ? new Float32Array(new SharedArrayBuffer(byUser.rows * f * 4))
        : new Float32Array(byUser.rows * f),
      items: isParallel
        ? new Float32Array(new SharedArrayBuffer(byItem.rows * f * 4))
        : new Float32Array(byItem.rows * f),
      ytY: isParallel ? new Float64Array(new SharedArrayBuffer(f * f * 8)) : new Float64Array(f * f),
      f,
      alpha,
      regularization,
      frequencyExponent,
    };
    const workers: Worker[] = [];
    try {
      for (let t = 1; t < threads; t++) workers.push(spawn(import.meta.url, setup));
      await Promise.all(workers.map(whenReady));
    } catch (error) {
      // Rows are independent, so one thread still gives the same factors, only slower: training goes on, and the
      // fallback travels with the sweeper so the trainer logs it and reports the threads it really used.
      await Promise.all(workers.map((w) => w.terminate()));
      return new IalsSweeper(setup, [], { threadsAsked: threads, threadsUsed: 1, error });
    }
    return new IalsSweeper(setup, workers);
  }

  /** Threads the sweeps run on: the caller's plus the started workers. */
  get threads(): number {
    return this.workers.length + 1;
  }

  get users(): Float32Array<ArrayBufferLike> {
    return this.setup.users;
  }

  get items(): Float32Array<ArrayBufferLike> {
    return this.setup.items;
  }

  get ytY(): Float64Array<ArrayBufferLike> {
    return this.setup.ytY;
  }

  /** Solves every row of one side given the other side's factors and the current ytY. */
  async sweep(side: 'users' | 'items', cgSteps: number): Promise<void> {
    const m = side === 'users' ? this.setup.byUser : this.setup.byItem;
    const parts = this.workers.length + 1;
    const bounds = splitByCost(m, this.setup.f, parts);
    const done = this.workers.map(
      (worker, w) =>
        new Promise<void>((resolve, reject) => {
          // Listeners are removed per sweep, or they would pile up over the iterations.
          const onError = (error: unknown) => {
            worker.off('message', onMessage);
            reject(error);
          };
          const onMessage = () => {
            worker.off('error', onError);
            resolve();
          };
          worker.once('message', onMessage);
          worker.once('error', onError);
          worker.postMessage({ side, rowStart: bounds[w + 1], rowEnd: bounds[w + 2], cgSteps } satisfies SweepCommand);
        }),
    );
    runSweep(this.setup, { side, rowStart: bounds[0], rowEnd: bounds[1], cgSteps });
    await Promise.all(done);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** parts + 1 row boundaries splitting Σ_rows (2f·|row| + f²) evenly. */
function splitByCost(m: Csr, f: number, parts: number): number[] {
  const total = 2 * f * m.indptr[m.rows] + f * f * m.rows;
  const bounds = [0];
  let row = 0;
  for (let p = 1; p < parts; p++) {
    const target = (total * p) / parts;
    while (row < m.rows && 2 * f * m.indptr[row] + f * f * row < target) row++;
    bounds.push(row);
  }
  bounds.push(m.rows);
  return bounds;
}

if (!isMainThread && (workerData as SweepSetup | undefined)?.kind === 'ials-sweep') {
  const setup = workerData as SweepSetup;
  parentPort?.on('message', (command: SweepCommand) => {
    runSweep(setup, command);
    parentPort?.postMessage('done');
  });
  parentPort?.postMessage('ready');
}
