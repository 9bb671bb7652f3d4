import { createServer, type IncomingMessage, type Server } from 'node:http';
import { z } from 'zod';
import { TOP_K } from '../contracts/recommendation-list.js';
import { loadArtifact } from './artifact.js';
import type { Ranker } from './ranker.js';
import { Ranker as RankerClass } from './ranker.js';

const Env = z.object({
  SAGEMAKER_BIND_TO_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Shortens the lists below the k the model was trained with; without it the model's k is served. */
  TOP_K: z.coerce.number().int().min(1).max(TOP_K).optional(),
});
export type ServeConfig = z.infer<typeof Env>;
/** Serving settings from the environment (parsed once at start). */
export const loadServeConfig = (env: NodeJS.ProcessEnv = process.env): ServeConfig => Env.parse(env);

// One invocation line: SageMaker batch transform sends the transform-input rows (`viewer_id`); callers may use `viewerId`.
const InvocationLine = z
  .object({
    viewer_id: z.string().min(1).optional(),
    viewerId: z.string().min(1).optional(),
    partner: z.string().min(1).optional(),
  })
  .transform((line, ctx) => {
    const viewerId = line.viewerId ?? line.viewer_id;
    if (viewerId === undefined) {
      ctx.addIssue({ code: 'custom', message: 'viewer_id or viewerId is required' });
      return z.NEVER;
    }
    if (viewerId.startsWith('#')) {
      ctx.addIssue({ code: 'custom', message: 'viewer ids never start with "#"' });
      return z.NEVER;
    }
    return { viewerId, partner: line.partner };
  });

type LineError = { line: number; error: { code: string; message: string } };

/** Answers a JSON Lines body line by line; a bad line becomes a `{line, error}` object in its place. */
export function answerInvocations(body: string, ranker: Ranker, topK?: number): string {
  const out: string[] = [];
  body.split('\n').forEach((text, index) => {
    if (text.trim() === '') return;
    const line = index + 1;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      out.push(
        JSON.stringify({ line, error: { code: 'InvalidJson', message: 'line is not valid JSON' } } satisfies LineError),
      );
      return;
    }
    const parsed = InvocationLine.safeParse(json);
    if (!parsed.success) {
      const message = parsed.error.issues[0]?.message ?? 'invalid request';
      out.push(JSON.stringify({ line, error: { code: 'InvalidRequest', message } } satisfies LineError));
      return;
    }
    const { viewerId, partner } = parsed.data;
    const recommendations = ranker.recommend({ viewerId, partner, ...(topK === undefined ? {} : { k: topK }) });
    out.push(JSON.stringify({ viewerId, recommendations }));
  });
  return out.length ? `${out.join('\n')}\n` : '';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The SageMaker inference server: GET /ping, POST /invocations (JSON Lines in and out). */
export function createInferenceServer(ranker: Ranker, config: ServeConfig): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/ping') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (req.method === 'POST' && path === '/invocations') {
      readBody(req)
        .then((body) => {
          res
            .writeHead(200, { 'content-type': 'application/jsonlines' })
            .end(answerInvocations(body, ranker, config.TOP_K));
        })
        .catch((error: unknown) => {
          process.stderr.write(
            `${JSON.stringify({ level: 'ERROR', message: 'invocation failed', error: String(error) })}\n`,
          );
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'InternalError', message: 'internal error' } }));
        });
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NotFound' } }));
  });
}

/** Loads the model from modelDir and listens; resolves once listening. */
export async function serve(modelDir: string, config: ServeConfig): Promise<Server> {
  const ranker = new RankerClass(await loadArtifact(modelDir));
  const server = createInferenceServer(ranker, config);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.SAGEMAKER_BIND_TO_PORT, () => resolve());
  });
  return server;
}
