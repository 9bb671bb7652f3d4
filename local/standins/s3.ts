import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';

export interface RunningStandIn {
  /** Base URL on loopback, for AWS_ENDPOINT_URL_* variables. */
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts s3rver on a free loopback port, storing objects under `directory`. */
export async function startS3(directory: string): Promise<RunningStandIn> {
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port } = (await server.run()) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // In-process SDK clients keep sockets alive; closing them too lets the process exit right away.
    stop: async () => {
      const closing = server.close();
      server.httpServer?.closeAllConnections();
      await closing;
    },
  };
}
