import { mkdirSync } from 'node:fs';
import dynalite from 'dynalite';
import { serveOnLoopback } from './loopback.js';
import type { RunningStandIn } from './s3.js';

/** Starts dynalite on a free loopback port; with `directory` it persists to LevelDB there, else in memory. */
export async function startDynamo(directory?: string): Promise<RunningStandIn> {
  if (directory) mkdirSync(directory, { recursive: true });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(directory ? { path: directory } : {}),
  });
  return serveOnLoopback(server);
}
