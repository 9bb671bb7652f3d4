import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import { type Csr, transpose } from './csr.js';
import { sharedBarrier } from './dense.js';
import { runSweepJob, type SweepJob, type SweepTimings, sweepLayout, sweepMemory } from './sweep.js';
import { spawnSelf, toShared, whenReady } from './workers.js';

interface WorkerJob extends SweepJob {
  readonly kind: 'sweep-inverse';
  readonly memory: WebAssembly.Memory;
  readonly ctl: SharedArrayBuffer;
}

export interface GramInverse extends SweepTimings {
  /** P = (XᵀX + diag(ridge))⁻¹, n×n row-major float32 (both triangles). */
  readonly inverse: Float32Array;
}

/**
 * (XᵀX + diag(ridge))⁻¹ in float32 on `threads` threads (sweep.ts): the caller is thread 0, threads − 1 workers join
 * it on one shared WebAssembly memory. Returns undefined when the matrix is too large for 32-bit addressing.
 * Workers report ready before any barrier, so one that cannot start makes this run on one thread instead of hanging.
 */
export async function gramInverse(x: Csr, ridge: Float64Array, threads: number): Promise<GramInverse | undefined> {
  const n = x.cols;
  const wanted = n >= 512 ? Math.max(1, threads) : 1;
  const layout = sweepLayout(n, wanted);
  if (!layout) return undefined;
  const memory = sweepMemory(layout);
  const isParallel = wanted > 1;
  const share = (m: Csr): Csr =>
    isParallel
      ? { rows: m.rows, cols: m.cols, indptr: toShared(m.indptr), indices: toShared(m.indices), data: toShared(m.data) }
      : m;
  const job = {
    layout,
    x: share(x),
    xt: share(transpose(x)),
    ridge: isParallel ? toShared(ridge) : ridge,
    out: isParallel ? new Float32Array(new SharedArrayBuffer(n * n * 4)) : new Float32Array(n * n),
    threads: wanted,
  };
  const ctl = new SharedArrayBuffer(8);
  const workers: Worker[] = [];
  let threadCount = wanted;
  try {
    for (let thread = 1; thread < wanted; thread++) {
      const workerJob: WorkerJob = { ...job, kind: 'sweep-inverse', memory, ctl, thread };
      workers.push(spawnSelf(import.meta.url, workerJob));
    }
    await Promise.all(workers.map(whenReady));
  } catch {
    await Promise.all(workers.map((w) => w.terminate()));
    workers.length = 0;
    threadCount = 1;
  }
  try {
    const finished = workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.once('message', (m) => (m === 'done' ? resolve() : reject(new Error(String(m)))));
          worker.once('error', reject);
        }),
    );
    for (const w of workers) w.postMessage('go');
    const timings = runSweepJob(
      { ...job, thread: 0, threads: threadCount },
      memory,
      sharedBarrier(new Int32Array(ctl), threadCount),
    );
    await Promise.all(finished);
    // A plain copy only when the result lives on shared memory (the fitted model keeps no SharedArrayBuffer).
    const inverse = isParallel ? new Float32Array(job.out) : (job.out as Float32Array);
    return { ...timings, inverse };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

if (!isMainThread && (workerData as WorkerJob | undefined)?.kind === 'sweep-inverse') {
  const job = workerData as WorkerJob;
  parentPort?.once('message', () => {
    runSweepJob(job, job.memory, sharedBarrier(new Int32Array(job.ctl), job.threads));
    parentPort?.postMessage('done');
  });
  parentPort?.postMessage('ready');
}
