import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import { type Csr, transpose } from './csr.js';
import { sharedBarrier } from './dense.js';
import { runSweepJob, type SweepJob, type SweepTimings, sweepLayout, sweepMemory } from './sweep.js';
import { type SpawnWorker, spawnSelf, type ThreadFallback, type ThreadsUsed, whenReady } from './workers.js';

/** An empty array of the same type and length, on shared memory when the job is parallel (filled later). */
function shared<T extends Int32Array | Float32Array | Float64Array>(a: T): T {
  const Ctor = a.constructor as new (buffer: SharedArrayBuffer) => T;
  return new Ctor(new SharedArrayBuffer(a.byteLength));
}

interface WorkerJob extends SweepJob {
  readonly kind: 'sweep-inverse';
  readonly memory: WebAssembly.Memory;
  readonly ctl: SharedArrayBuffer;
}

export interface GramInverse extends SweepTimings, ThreadsUsed {
  /** P = (XᵀX + diag(ridge))⁻¹, or EASE's B from it (`output`), n×n row-major float32 (both triangles). */
  readonly matrix: Float32Array;
}

/**
 * (XᵀX + diag(ridge))⁻¹ in float32 on `threads` threads (sweep.ts): the caller is thread 0, threads − 1 workers join
 * it on one shared WebAssembly memory. Returns undefined when the matrix is too large for 32-bit addressing.
 * Workers report ready before any barrier, so one that cannot start makes this run on one thread instead of hanging,
 * and the result says so in `fallback` (#17).
 */
export async function gramInverse(
  x: Csr,
  ridge: Float64Array,
  threads: number,
  output: SweepJob['output'] = 'inverse',
  spawn: SpawnWorker = spawnSelf,
): Promise<GramInverse | undefined> {
  const n = x.cols;
  const wanted = n >= 512 ? Math.max(1, threads) : 1;
  const layout = sweepLayout(n, wanted);
  if (!layout) return undefined;
  const memory = sweepMemory(layout);
  const out = wanted > 1 ? new Float32Array(new SharedArrayBuffer(n * n * 4)) : new Float32Array(n * n);
  const ctl = new SharedArrayBuffer(8);
  if (wanted === 1) {
    const timings = runSweepJob({ layout, x, xt: transpose(x), ridge, out, output, thread: 0, threads: 1 }, memory);
    return { ...timings, matrix: out as Float32Array, threads: 1 };
  }
  // Shared copies are allocated first and filled while the workers start (a worker reads them only after 'go').
  const xt = transpose(x);
  const sharedCsr = (m: Csr): Csr => ({
    ...m,
    indptr: shared(m.indptr),
    indices: shared(m.indices),
    data: shared(m.data),
  });
  const job = { layout, x: sharedCsr(x), xt: sharedCsr(xt), ridge: shared(ridge), out, output, threads: wanted };
  const workers: Worker[] = [];
  // Started as an async function so a spawn that throws becomes a rejected start: the shared copies below are then
  // still filled, which the one-thread fallback reads too.
  const ready = (async () => {
    for (let thread = 1; thread < wanted; thread++) {
      const workerJob: WorkerJob = { ...job, kind: 'sweep-inverse', memory, ctl, thread };
      workers.push(spawn(import.meta.url, workerJob));
    }
    await Promise.all(workers.map(whenReady));
  })();
  for (const [to, from] of [
    [job.x, x],
    [job.xt, xt],
  ] as const) {
    to.indptr.set(from.indptr);
    to.indices.set(from.indices);
    to.data.set(from.data);
  }
  job.ridge.set(ridge);
  let fallback: ThreadFallback | undefined;
  try {
    await ready;
  } catch (error) {
    // Each cell sums in the same order on any thread count, so one thread gives the same matrix, only slower: the
    // fit goes on, and the fallback travels with the result so the trainer logs it and reports the threads used.
    await Promise.all(workers.map((w) => w.terminate()));
    workers.length = 0;
    fallback = { threadsAsked: wanted, threadsUsed: 1, error };
  }
  const threadCount = fallback ? 1 : wanted;
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
    return { ...timings, matrix: new Float32Array(out), threads: threadCount, ...(fallback ? { fallback } : {}) };
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
