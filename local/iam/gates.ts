import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { AccessDeniedError } from './authorizer.js';
import type { LocalIam } from './local-iam.js';

/**
 * The checks in front of the stand-ins: each request is authorised before the stand-in sees it, and a refusal is
 * answered in the service's own wire shape (S3 XML `AccessDenied` 403; JSON `AccessDeniedException` 400), so the
 * SDK raises what it raises in AWS.
 */

const require = createRequire(import.meta.url);

interface KoaLike {
  middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
}
interface KoaContext {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Teaches s3rver each issued key pair (it verifies signatures) and checks IAM before its router runs. */
export function gateS3rver(server: KoaLike, iam: LocalIam): void {
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
  };
  const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string, detail?: object) => Error;
  iam.keys.onIssue((key) => DUMMY_ACCOUNT.createKeyPair(key.accessKeyId, key.secretAccessKey));
  const gate = async (ctx: KoaContext, next: () => Promise<void>) => {
    try {
      await iam.checkS3(ctx.method, ctx.url, ctx.headers);
    } catch (error) {
      if (error instanceof AccessDeniedError) throw new S3Error('AccessDenied', error.message);
      throw new S3Error('InvalidAccessKeyId', (error as Error).message);
    }
    await next();
  };
  // The router is the last middleware; the gate goes just before it (after s3rver's vhost rewriting).
  server.middleware.splice(server.middleware.length - 1, 0, gate);
}

/** A JSON-protocol error (`{__type, message}`) for a refused request. */
export function jsonErrorOf(error: unknown): { status: number; type: string; message: string } | undefined {
  if (error instanceof AccessDeniedError) return { status: 400, type: 'AccessDeniedException', message: error.message };
  if (error instanceof Error && error.name === 'UnrecognizedClientException') {
    return { status: 400, type: 'UnrecognizedClientException', message: error.message };
  }
  return undefined;
}

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Puts the check in front of dynalite: the body is read first (the tables are in it), then replayed to dynalite.
 */
export function gateDynalite(server: Server, iam: LocalIam): void {
  const listeners = server.listeners('request') as Listener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks);
      const operation =
        String(request.headers['x-amz-target'] ?? '')
          .split('.')
          .at(-1) ?? '';
      try {
        const input = body.length > 0 ? (JSON.parse(body.toString()) as Record<string, unknown>) : {};
        await iam.checkDynamodb(operation, input, request.headers);
      } catch (error) {
        const refused = jsonErrorOf(error);
        if (refused) {
          response.writeHead(refused.status, { 'content-type': 'application/x-amz-json-1.0' });
          response.end(
            JSON.stringify({ __type: `com.amazon.coral.service#${refused.type}`, message: refused.message }),
          );
          return;
        }
        // Not ours to judge (malformed JSON, …): dynalite answers as DynamoDB would.
      }
      const replay = Object.assign(new PassThrough(), {
        headers: request.headers,
        method: request.method,
        url: request.url,
        httpVersion: request.httpVersion,
        socket: request.socket,
        connection: request.socket,
      }) as unknown as IncomingMessage;
      for (const listener of listeners) listener(replay, response);
      (replay as unknown as PassThrough).end(body);
    });
  });
}
