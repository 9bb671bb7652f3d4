import { Worker } from 'node:worker_threads';
import { type SpawnWorker, spawnSelf } from '../linalg/workers.js';

/**
 * A SpawnWorker for the "worker exits before ready" case with a worker already running: the first worker is the real
 * kernel, and every later one exits with code 3 (no error) as soon as the first has said ready, so the start fails
 * while the kernel is parked (waiting for 'go', or at its first barrier). Every worker started lands in `started`.
 */
export function realThenExiting(started: Worker[]): SpawnWorker {
  return (moduleUrl, workerData) => {
    const first = started[0];
    if (!first) {
      const kernel = spawnSelf(moduleUrl, workerData);
      started.push(kernel);
      return kernel;
    }
    const exiting = new Worker("require('node:worker_threads').parentPort.once('message', () => process.exit(3))", {
      eval: true,
    });
    first.once('message', () => exiting.postMessage('exit'));
    started.push(exiting);
    return exiting;
  };
}
