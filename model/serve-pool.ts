import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import type { Artifact } from './artifact.js';
import { spawnSelf, whenReady } from './linalg/workers.js';
import { IndexedRanker } from './ranker.js';

/**
 * Ranks batches of resolved requests (dense viewer and partner indices) and answers each with the JSON text of its
 * recommendations array, in order. serve.ts streams an invocation through one of these.
 */
export interface BatchRanker {
  /** Threads that rank (1 when inline). */
  readonly threads: number;
  rankBatch(viewers: Int32Array, partners: Int32Array, k: number): Promise<string[]>;
  close(): Promise<void>;
}

const rankAll = (ranker: IndexedRanker, viewers: Int32Array, partners: Int32Array, k: number): string[] =>
  Array.from(viewers, (v, i) => JSON.stringify(ranker.rank(v, partners[i], k)));

/** Ranks on the calling thread: for a one-vCPU instance, where a worker would only add a hop. */
export class InlineRanker implements BatchRanker {
  readonly threads = 1;
  private readonly ranker: IndexedRanker;

  constructor(artifact: Artifact) {
    this.ranker = new IndexedRanker(artifact);
  }

  async rankBatch(viewers: Int32Array, partners: Int32Array, k: number): Promise<string[]> {
    return rankAll(this.ranker, viewers, partners, k);
  }

  async close(): Promise<void> {}
}

interface PoolSetup {
  readonly kind: 'rank-viewers';
  readonly artifact: Artifact;
}
interface RankTask {
  readonly id: number;
  readonly viewers: Int32Array;
  readonly partners: Int32Array;
  readonly k: number;
}
type RankAnswer = { id: number; lists: string[] } | { id: number; error: string };

interface Pending {
  readonly task: RankTask;
  readonly resolve: (lists: string[]) => void;
  readonly reject: (error: Error) => void;
}

/**
 * `threads` worker threads, each an IndexedRanker over the same artifact. The artifact's arrays sit on shared memory
 * (loadArtifact with `shared`), so a worker costs its scratch buffers and the show metadata, not another copy of the
 * model; viewer ids never reach the workers (serve.ts resolves them). Batches queue and go to whichever worker is
 * idle, so one invocation or several at once keep every thread busy. A worker that dies fails its batch and is
 * replaced, so one bad batch fails one invocation (which SageMaker retries), not the container.
 */
export class RankerPool implements BatchRanker {
  private readonly queue: Pending[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly idle: Worker[] = [];
  private nextId = 0;
  private isClosed = false;

  private constructor(
    private readonly setup: PoolSetup,
    readonly threads: number,
  ) {}

  /** Starts the workers and resolves once every one has loaded its ranker. */
  static async start(artifact: Artifact, threads: number): Promise<RankerPool> {
    const slim: Artifact = { ...artifact, dataset: { ...artifact.dataset, viewerIds: [] } };
    const pool = new RankerPool({ kind: 'rank-viewers', artifact: slim }, threads);
    const started = Array.from({ length: threads }, () => pool.spawn());
    try {
      await Promise.all(started.map(whenReady));
    } catch (error) {
      await Promise.all(started.map((w) => w.terminate()));
      throw error;
    }
    return pool;
  }

  rankBatch(viewers: Int32Array, partners: Int32Array, k: number): Promise<string[]> {
    if (this.isClosed) return Promise.reject(new Error('ranker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { id: this.nextId++, viewers, partners, k }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.isClosed = true;
    const workers = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const worker = spawnSelf(import.meta.url, this.setup);
    worker.on('message', (message: RankAnswer | 'ready') => {
      if (message === 'ready') {
        this.idle.push(worker);
        this.dispatch();
        return;
      }
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      this.idle.push(worker);
      if (pending) {
        if ('error' in message) pending.reject(new Error(message.error));
        else pending.resolve(message.lists);
      }
      this.dispatch();
    });
    worker.on('error', (error) => {
      // 'exit' follows and does the bookkeeping; say why, or a dying worker would leave no trace.
      process.stderr.write(
        `${JSON.stringify({ level: 'ERROR', message: 'ranking worker failed', error: String(error), stack: error.stack })}\n`,
      );
    });
    worker.once('exit', (code) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      pending?.reject(new Error(`ranking worker exited with code ${code}`));
      if (!this.isClosed) this.spawn();
    });
    return worker;
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.idle.length > 0) {
      const worker = this.idle.pop() as Worker;
      const pending = this.queue.shift() as Pending;
      this.busy.set(worker, pending);
      worker.postMessage(pending.task);
    }
  }
}

if (!isMainThread && (workerData as PoolSetup | undefined)?.kind === 'rank-viewers') {
  const ranker = new IndexedRanker((workerData as PoolSetup).artifact);
  parentPort?.on('message', (task: RankTask) => {
    try {
      parentPort?.postMessage({ id: task.id, lists: rankAll(ranker, task.viewers, task.partners, task.k) });
    } catch (error) {
      parentPort?.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  parentPort?.postMessage('ready');
}
