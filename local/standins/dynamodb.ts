import { mkdirSync } from 'node:fs';
import dynalite from 'dynalite';
import { gateDynalite } from '../iam/gates.js';
import type { LocalIam } from '../iam/local-iam.js';
import { serveOnLoopback } from './loopback.js';
import type { RunningStandIn } from './s3.js';

/**
 * Starts dynalite on a free loopback port; with `directory` it persists to LevelDB there, else in memory; with
 * `iam`, IAM checks every request.
 */
export async function startDynamo(directory?: string, iam?: LocalIam): Promise<RunningStandIn> {
  if (directory) mkdirSync(directory, { recursive: true });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(directory ? { path: directory } : {}),
  });
  if (iam) gateDynalite(server, iam);
  return serveOnLoopback(server);
}
