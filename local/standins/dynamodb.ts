import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // In-process SDK clients keep sockets alive; closing them too lets the process exit right away.
        server.closeAllConnections();
      }),
  };
}
