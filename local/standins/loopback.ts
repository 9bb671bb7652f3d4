import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningStandIn } from './s3.js';

/** Listens on a free loopback port and gives the stand-in's endpoint and a stop that ends kept-alive sockets too. */
export async function serveOnLoopback(server: Server): Promise<RunningStandIn> {
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
