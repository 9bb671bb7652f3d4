import { createServer } from 'node:http';
import { jsonErrorOf } from '../iam/gates.js';
import { serveOnLoopback } from './loopback.js';
import type { RunningStandIn } from './s3.js';

export type { RunningStandIn };

/**
 * A stand-in for an AWS service that speaks the JSON 1.1 protocol (`POST /`, `X-Amz-Target: <Service>.<Action>`,
 * errors as `{__type, message}`), which is how the Redshift Data API and SageMaker clients of the SDK talk.
 */
export interface JsonProtocolService {
  /** Handlers by action name (`DescribeStatement`); they may be async. */
  actions: Record<string, (input: Record<string, unknown>) => unknown>;
  /** Keys whose ISO-string values go on the wire as epoch seconds, as the protocol sends timestamps. */
  timestampKey: RegExp;
  /** The wire error code of a thrown error (default: its name). */
  errorCode?: (error: Error) => string;
  /** Runs before the handler (the IAM check); what it throws is answered as the service would. */
  authorize?: (
    action: string,
    input: Record<string, unknown>,
    headers: Record<string, string | string[] | undefined>,
  ) => Promise<void>;
}

export async function startJsonProtocolServer(service: JsonProtocolService): Promise<RunningStandIn> {
  const toWire = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(toWire);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, v]) => [
          key,
          service.timestampKey.test(key) && typeof v === 'string' ? Date.parse(v) / 1000 : toWire(v),
        ]),
      );
    }
    return value;
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const action =
        String(request.headers['x-amz-target'] ?? '')
          .split('.')
          .at(-1) ?? '';
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      try {
        const handler = service.actions[action];
        if (!handler)
          return reply(400, { __type: 'UnknownOperationException', message: `unsupported action ${action}` });
        const input = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
        await service.authorize?.(action, input, request.headers);
        reply(200, toWire(await handler(input)));
      } catch (error) {
        const refused = jsonErrorOf(error);
        if (refused) return reply(refused.status, { __type: refused.type, message: refused.message });
        const err = error as Error;
        reply(400, { __type: service.errorCode?.(err) ?? err.name, message: err.message });
      }
    });
  });
  return serveOnLoopback(server);
}
