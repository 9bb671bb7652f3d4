import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningStandIn } from '../standins/s3.js';
import type { RedshiftDataEmulator } from './data-api.js';

/**
 * The Data API emulation over HTTP (AWS JSON 1.1, `X-Amz-Target: RedshiftData.<Action>`), so Lambdas that
 * query the warehouse through `@aws-sdk/client-redshift-data` reach it via AWS_ENDPOINT_URL_REDSHIFT_DATA.
 */
export async function startRedshiftDataServer(emulator: RedshiftDataEmulator): Promise<RunningStandIn> {
  const actions: Record<string, (input: Record<string, unknown>) => unknown> = {
    ExecuteStatement: (input) => emulator.executeStatement(input),
    BatchExecuteStatement: (input) => emulator.batchExecuteStatement(input),
    DescribeStatement: (input) => emulator.describeStatement(input),
    GetStatementResult: (input) => emulator.getStatementResult(input),
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const action =
        String(request.headers['x-amz-target'] ?? '')
          .split('.')
          .at(-1) ?? '';
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      try {
        const handler = actions[action];
        if (!handler)
          return reply(400, { __type: 'UnknownOperationException', message: `unsupported action ${action}` });
        const input = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
        reply(200, toWire(handler(input)));
      } catch (error) {
        const type = (error as Error).name.replace(/^RedshiftData\./, '');
        reply(400, { __type: type, message: (error as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// The JSON protocol sends timestamps as epoch seconds.
function toWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [
        key,
        /At$/.test(key) && typeof v === 'string' ? Date.parse(v) / 1000 : toWire(v),
      ]),
    );
  }
  return value;
}
