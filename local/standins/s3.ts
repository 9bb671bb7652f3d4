import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';
import { gateS3rver } from '../iam/gates.js';
import type { LocalIam } from '../iam/local-iam.js';

export interface RunningStandIn {
  /** Base URL on loopback, for AWS_ENDPOINT_URL_* variables. */
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts s3rver on a free loopback port, storing objects under `directory`; with `iam`, IAM checks every request. */
export async function startS3(directory: string, iam?: LocalIam): Promise<RunningStandIn> {
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  if (iam) gateS3rver(server as unknown as Parameters<typeof gateS3rver>[0], iam);
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
