import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import { invertSpdInPlace, sharedBarrier } from './dense.js';
import { type SpawnWorker, spawnSelf, type ThreadsUsed, whenReady } from './workers.js';

interface InverseJob {
  readonly kind: 'spd-inverse';
  readonly matrix: SharedArrayBuffer;
  readonly ctl: SharedArrayBuffer;
  readonly diag: SharedArrayBuffer;
  readonly n: number;
  readonly thread: number;
  readonly threads: number;
}

/** A Float64Array on shared memory, so worker threads can work on it in place. */
export const sharedFloat64 = (length: number): Float64Array<ArrayBufferLike> =>
  new Float64Array(new SharedArrayBuffer(length * 8));

function runJob(job: InverseJob): void {
  invertSpdInPlace(
    new Float64Array(job.matrix),
    job.n,
    job.thread,
    job.threads,
    sharedBarrier(new Int32Array(job.ctl), job.threads),
    new Float64Array(job.diag),
  );
}

/**
 * invertSpdInPlace on `threads` threads: the caller's thread is thread 0 and threads − 1 workers join it on the same
 * shared matrix (the worker is this very module, or the bundle it was built into). Workers must report ready before
 * the kernel starts, so a worker that cannot start (or errors or exits first) makes this run on one thread instead of
 * hanging a barrier, and the result says so in `fallback` (#17).
 */
export async function invertSpdParallel(
  a: Float64Array<ArrayBufferLike>,
  n: number,
  threads: number,
  spawn: SpawnWorker = spawnSelf,
): Promise<ThreadsUsed> {
  if (threads <= 1 || !(a.buffer instanceof SharedArrayBuffer) || n < 256) {
    invertSpdInPlace(a, n);
    return { threads: 1 };
  }
  const ctl = new SharedArrayBuffer(8);
  const diag = new SharedArrayBuffer(n * 8);
  const workers: Worker[] = [];
  const finished: Promise<void>[] = [];
  try {
    for (let thread = 1; thread < threads; thread++) {
      const job: InverseJob = { kind: 'spd-inverse', matrix: a.buffer, ctl, diag, n, thread, threads };
      const worker = spawn(import.meta.url, job);
      workers.push(worker);
      finished.push(
        new Promise((resolve, reject) => {
          worker.on('message', (m) => m === 'done' && resolve());
          worker.on('error', reject);
          worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`inverse worker exited ${code}`))));
        }),
      );
      // A worker that fails before 'ready' is handled through whenReady; keep `finished` from rejecting unobserved.
      finished.at(-1)?.catch(() => {});
    }
    await Promise.all(workers.map(whenReady));
  } catch (error) {
    // Started workers wait at the first barrier for thread 0 before writing, so the matrix is untouched: one thread
    // inverts it to the same result, only slower. The fit goes on, and the fallback travels with the result (#17).
    await Promise.all(workers.map((w) => w.terminate()));
    invertSpdInPlace(a, n);
    return { threads: 1, fallback: { threadsAsked: threads, threadsUsed: 1, error } };
  }
  try {
    invertSpdInPlace(a, n, 0, threads, sharedBarrier(new Int32Array(ctl), threads), new Float64Array(diag));
    await Promise.all(finished);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { threads };
}

if (!isMainThread && (workerData as InverseJob | undefined)?.kind === 'spd-inverse') {
  parentPort?.postMessage('ready');
  runJob(workerData as InverseJob);
  parentPort?.postMessage('done');
}
