import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import { TOP_K } from '../contracts/recommendation-list.js';
import { loadArtifact } from './artifact.js';
import { Ranker } from './ranker.js';
import { type BatchRanker, InlineRanker, RankerPool } from './serve-pool.js';

const Env = z.object({
  SAGEMAKER_BIND_TO_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** At most the contract's list length (contracts/recommendation-list.ts), which the writer stores. */
  TOP_K: z.coerce.number().int().min(1).max(TOP_K).default(TOP_K),
  /** Ranking threads; unset = every vCPU of the instance (1 ranks on the HTTP thread, no workers). */
  SERVE_THREADS: z.coerce.number().int().min(1).max(256).optional(),
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
      const field = line.viewerId === undefined ? 'viewer_id' : 'viewerId';
      ctx.addIssue({ code: 'custom', message: 'viewer ids never start with "#"', path: [field] });
      return z.NEVER;
    }
    return { viewerId, partner: line.partner };
  });

/**
 * Streaming bounds. A batch of RANK_BATCH lines is one task for a ranking thread (tens of ms at 20k shows, so
 * dispatch costs nothing); BATCHES_IN_FLIGHT_PER_THREAD batches per thread keep every thread fed while the oldest
 * batch waits to be written. Together they cap what one invocation holds (about 2 × threads × 32 answers of ~1.6 KB)
 * whatever its size; a line longer than MAX_LINE_CHARS becomes an error instead of a growing buffer.
 */
const RANK_BATCH = 32;
const BATCHES_IN_FLIGHT_PER_THREAD = 2;
const MAX_LINE_CHARS = 64 * 1024;

const errorLine = (line: number, code: string, message: string): string =>
  `${JSON.stringify({ line, error: { code, message } })}\n`;
const answerLine = (viewerId: string, recommendationsJson: string): string =>
  `{"viewerId":${JSON.stringify(viewerId)},"recommendations":${recommendationsJson}}\n`;

/** An invalid line's message, naming the field when the issue has one (`viewerId: Too small: …`). */
const describeIssue = (issue: z.core.$ZodIssue | undefined): string => {
  if (!issue) return 'invalid request';
  const field = issue.path.join('.');
  return field === '' ? issue.message : `${field}: ${issue.message}`;
};

/** One output slot: a finished line, or the i-th ranked viewer of its batch. */
type Slot = string | { viewerId: string; at: number };

/** Lines in, batched for the ranking threads, answers out in input order. */
class InvocationBatcher {
  private slots: Slot[] = [];
  private viewers: number[] = [];
  private partners: number[] = [];
  private readonly inFlight: Promise<string>[] = [];

  constructor(
    private readonly ranker: Ranker,
    private readonly pool: BatchRanker,
    private readonly topK: number,
    private readonly write: (text: string) => Promise<void>,
  ) {}

  /** Answers one input line (1-based number `line`); blank lines get no answer, as before. */
  async line(text: string, line: number): Promise<void> {
    if (text.trim() === '') return;
    this.slots.push(this.parse(text, line));
    if (this.viewers.length >= RANK_BATCH || this.slots.length >= 4 * RANK_BATCH) await this.submit();
  }

  /** A line too long to buffer: answered with an error, its text never kept. */
  async tooLong(line: number): Promise<void> {
    this.slots.push(errorLine(line, 'InvalidRequest', `line is longer than ${MAX_LINE_CHARS} characters`));
    if (this.slots.length >= 4 * RANK_BATCH) await this.submit();
  }

  /** Ranks what is left and writes every answer still pending. */
  async finish(): Promise<void> {
    if (this.slots.length > 0) await this.submit(0);
    while (this.inFlight.length > 0) await this.write(await (this.inFlight.shift() as Promise<string>));
  }

  private parse(text: string, line: number): Slot {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return errorLine(line, 'InvalidJson', 'line is not valid JSON');
    }
    const parsed = InvocationLine.safeParse(json);
    if (!parsed.success) return errorLine(line, 'InvalidRequest', describeIssue(parsed.error.issues[0]));
    const { viewerId, partner } = parsed.data;
    const resolved = this.ranker.resolve({ viewerId, partner });
    // A partner the model does not know carries nothing we could offer there.
    if (!resolved) return answerLine(viewerId, '[]');
    this.viewers.push(resolved.viewer);
    this.partners.push(resolved.partner);
    return { viewerId, at: this.viewers.length - 1 };
  }

  /** Sends the open batch to the pool; then writes finished batches until at most `keep` are in flight. */
  private async submit(keep = this.pool.threads * BATCHES_IN_FLIGHT_PER_THREAD): Promise<void> {
    const slots = this.slots;
    const ranked =
      this.viewers.length > 0
        ? this.pool.rankBatch(Int32Array.from(this.viewers), Int32Array.from(this.partners), this.topK)
        : Promise.resolve([]);
    this.slots = [];
    this.viewers = [];
    this.partners = [];
    const answer = ranked.then((lists) =>
      slots
        .map((slot) => (typeof slot === 'string' ? slot : answerLine(slot.viewerId, lists[slot.at] ?? '[]')))
        .join(''),
    );
    // Keep a rejection from going unobserved while earlier batches are written; it surfaces when this one is.
    answer.catch(() => {});
    this.inFlight.push(answer);
    while (this.inFlight.length > keep) await this.write(await (this.inFlight.shift() as Promise<string>));
  }
}

/**
 * Answers a JSON Lines stream line by line, in order, writing as it goes; a bad line becomes a `{line, error}` object
 * in its place. Reading waits while answers wait to be written, so memory stays bounded whatever the body's size.
 */
export async function streamInvocations(
  body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  ranker: Ranker,
  pool: BatchRanker,
  topK: number,
  write: (text: string) => Promise<void>,
): Promise<void> {
  const batcher = new InvocationBatcher(ranker, pool, topK, write);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let line = 0;
  let isSkippingLongLine = false;
  for await (const chunk of body) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      line++;
      if (isSkippingLongLine) isSkippingLongLine = false;
      else await batcher.line(text.slice(start, end), line);
      start = end + 1;
    }
    rest = text.slice(start);
    if (rest.length > MAX_LINE_CHARS) {
      if (!isSkippingLongLine) await batcher.tooLong(line + 1);
      isSkippingLongLine = true;
      rest = '';
    }
  }
  rest += decoder.end();
  if (rest.length > 0 && !isSkippingLongLine) await batcher.line(rest, line + 1);
  await batcher.finish();
}

/** The whole answer to a JSON Lines body as one string (tests, small callers). */
export async function answerInvocations(
  body: string,
  ranker: Ranker,
  pool: BatchRanker,
  topK: number,
): Promise<string> {
  let out = '';
  await streamInvocations([body], ranker, pool, topK, async (text) => {
    out += text;
  });
  return out;
}

const startAnswer = (res: ServerResponse): void => {
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/jsonlines' });
};

/** res.write that waits for the socket to drain; rejects if the client went away. Sends the 200 on first use. */
function writerFor(res: ServerResponse): (text: string) => Promise<void> {
  return (text) =>
    new Promise((resolve, reject) => {
      if (res.destroyed) {
        reject(new Error('client closed the connection'));
        return;
      }
      startAnswer(res);
      if (res.write(text)) {
        resolve();
        return;
      }
      const onDrain = () => {
        res.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        res.off('drain', onDrain);
        reject(new Error('client closed the connection'));
      };
      res.once('drain', onDrain);
      res.once('close', onClose);
    });
}

function invocationFailed(res: ServerResponse, error: unknown): void {
  process.stderr.write(`${JSON.stringify({ level: 'ERROR', message: 'invocation failed', error: String(error) })}\n`);
  if (!res.headersSent) {
    res
      .writeHead(500, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { code: 'InternalError', message: 'internal error' } }));
  } else {
    // Half an answer must not pass for a whole one: cut the connection so SageMaker retries the invocation.
    res.destroy();
  }
}

/** The SageMaker inference server: GET /ping, POST /invocations (JSON Lines in and out, streamed). */
export function createInferenceServer(ranker: Ranker, pool: BatchRanker, config: ServeConfig): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/ping') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (req.method === 'POST' && path === '/invocations') {
      streamInvocations(req, ranker, pool, config.TOP_K, writerFor(res)).then(
        () => {
          startAnswer(res);
          res.end();
        },
        (error: unknown) => invocationFailed(res, error),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NotFound' } }));
  });
  // A body is read only as fast as it is ranked (backpressure), so receiving it takes as long as answering it: Node's
  // default 5-minute requestTimeout would reset a long invocation midway. SageMaker's InvocationsTimeoutInSeconds
  // (ModelClientConfig) bounds an invocation instead.
  server.requestTimeout = 0;
  return server;
}

/**
 * Catalogs from this size up rank on worker threads: a viewer then costs ~0.2 ms or more (f multiply-adds per show),
 * so a 32-line batch outweighs the hop to a worker; below it, starting workers costs more than they save.
 */
const MIN_SHOWS_FOR_WORKERS = 2000;

/** Ranking threads: SERVE_THREADS, else one per vCPU for a catalog worth it, else the HTTP thread alone. */
export const servingThreads = (config: ServeConfig, shows: number): number =>
  config.SERVE_THREADS ?? (shows >= MIN_SHOWS_FOR_WORKERS ? availableParallelism() : 1);

/** Loads the model from modelDir, starts the ranking threads and listens; resolves once listening. */
export async function serve(modelDir: string, config: ServeConfig): Promise<{ server: Server; pool: BatchRanker }> {
  // Shared memory costs nothing when the arrays end up used on this thread alone.
  const artifact = await loadArtifact(modelDir, { shared: config.SERVE_THREADS !== 1 });
  const threads = servingThreads(config, artifact.dataset.showIds.length);
  const ranker = new Ranker(artifact);
  const pool = threads > 1 ? await RankerPool.start(artifact, threads) : new InlineRanker(artifact);
  const server = createInferenceServer(ranker, pool, config);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.SAGEMAKER_BIND_TO_PORT, () => resolve());
  });
  return { server, pool };
}
