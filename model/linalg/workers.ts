import { Worker } from 'node:worker_threads';

/** Starts one worker on `moduleUrl` (spawnSelf by default); a seam so tests can make the start fail. */
export type SpawnWorker = (moduleUrl: string, workerData: unknown) => Worker;

/** Workers that failed to start: the kernel runs on one thread instead, slower but with the same result (#17). */
export interface ThreadFallback {
  readonly threadsAsked: number;
  readonly threadsUsed: number;
  /** The first start failure (a spawn that threw, a worker that errored or exited before `ready`). */
  readonly error: unknown;
}

/** The threads a parallel kernel really ran on, and why they are fewer than asked when its workers failed to start. */
export interface ThreadsUsed {
  readonly threads: number;
  readonly fallback?: ThreadFallback;
}

/**
 * Starts a worker running the module at `moduleUrl` (the caller's import.meta.url; in the esbuild bundle that is
 * the bundle itself). From TypeScript sources (tsx in development and tests) a Node 20 worker does not inherit
 * tsx's loader, so it registers tsx first.
 */
export function spawnSelf(moduleUrl: string, workerData: unknown): Worker {
  if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(moduleUrl), { workerData });
  const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(moduleUrl)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** Resolves when the worker posts `ready`; rejects if it errors or exits first. */
export function whenReady(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(`worker said ${String(m)}`))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited ${code} before it was ready`)));
  });
}

/** A copy of a typed array on shared memory, so worker threads read it without another copy each. */
export function toShared<T extends Float32Array | Int32Array | Float64Array>(a: T): T {
  const Ctor = a.constructor as new (buffer: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  (out as unknown as { set(x: T): void }).set(a);
  return out;
}
