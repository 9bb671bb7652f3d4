/**
 * `recs bench offers [--requests N] [--concurrency C] [--viewers V] [--seconds S] [--json]`
 *
 * Loads a dynalite (LevelDB in a temp data dir) with viewer lists, then measures in one run:
 *  - the offers handler in-process with API Gateway v2 events vs. a bare GetItem on the same client, interleaved
 *    so both see the same machine state → handlerP50/P99, getItemP50/P99, p99Ratio;
 *  - the esbuild bundle of functions/offers/handler.ts (minified ESM, node platform) → bundleBytes;
 *  - cold start: a fresh node process importing that bundle and serving one request → coldStartMs (median of
 *    --cold-starts processes; coldStartMinMs the fastest);
 *  - a load run through `recs serve` (child process, loopback) at concurrency C, bounded by N requests and S
 *    seconds → requests/s, errors (non-200 or network) and degraded answers (fallback for a known viewer).
 * Prints one JSON object per case on stdout; progress on stderr unless --json. Asserts nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { loadHttpApiWiring } from '../local/http-routes.js';
import { ensureRecommendationsTable } from '../local/tables.js';
import { offersEvent, putLivePointer } from '../test/integration/offers-fixtures.js';
import { bundleOffersHandler, type ColdStart, coldStart } from './offers-bundle.js';

const { values: flags } = parseArgs({
  options: {
    requests: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '64' },
    viewers: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '20' },
    'cold-starts': { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});
const positive = (name: keyof typeof flags): number => {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const REQUESTS = positive('requests');
const CONCURRENCY = positive('concurrency');
const VIEWERS = positive('viewers');
const SECONDS = positive('seconds');
const COLD_STARTS = positive('cold-starts');
const progress = (line: string) => {
  if (!flags.json) process.stderr.write(`${line}\n`);
};

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// The offers function's environment as serverless.yml gives it (resolved for the local stage), not a copy.
const OFFERS_ENV = offersEnvironment();
const TABLE_NAME = OFFERS_ENV.TABLE_NAME;
const DEEP_LINK_TEMPLATES = OFFERS_ENV.DEEP_LINK_TEMPLATES;
const RUN_ID = '20250101T030000Z-bench';
const PARTNERS = ['hulu', 'youtube', 'appletv', 'own'] as const;
const viewerId = (index: number) => `viewer-${String(index).padStart(6, '0')}`;
const randomViewer = () => viewerId(Math.floor(Math.random() * VIEWERS));

function offersEnvironment(): { TABLE_NAME: string; DEEP_LINK_TEMPLATES: string } {
  const environment = loadHttpApiWiring({ root: ROOT }).functions.offers?.environment ?? {};
  const { TABLE_NAME: table, DEEP_LINK_TEMPLATES: templates } = environment;
  if (!table || !templates)
    throw new Error('serverless.yml gives the offers function no TABLE_NAME or DEEP_LINK_TEMPLATES');
  return { TABLE_NAME: table, DEEP_LINK_TEMPLATES: templates };
}

function percentile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}
const round = (ms: number) => Math.round(ms * 1000) / 1000;
const median = (samples: readonly number[]) => round(percentile(samples, 0.5));

async function seed(client: DynamoDBClient): Promise<void> {
  const doc = DynamoDBDocumentClient.from(client);
  await ensureRecommendationsTable(client, TABLE_NAME);
  const show = (index: number) => ({
    showId: `show-${index}`,
    title: `Show number ${index}`,
    genre: ['drama', 'comedy', 'news', 'scifi', 'kids'][index % 5] ?? 'drama',
    brand: ['ABC', 'FX', 'Nat Geo', 'ESPN'][index % 4] ?? 'ABC',
  });
  await putLivePointer(doc, RUN_ID, { tableName: TABLE_NAME, modelVersion: 'bench-model' });
  await doc.send(
    new PutCommand({
      TableName: TABLE_NAME,
      Item: {
        viewerId: '#popular',
        runId: RUN_ID,
        recommendations: Array.from({ length: 50 }, (_, index) => ({
          ...show(index),
          partners: [PARTNERS[index % 4], PARTNERS[(index + 1) % 4]],
          rank: index + 1,
          uniqueViewers: 10_000 - index,
        })),
      },
    }),
  );
  const ttl = Math.floor(Date.now() / 1000) + 14 * 86_400;
  for (let start = 0; start < VIEWERS; start += 25) {
    const items = [];
    for (let index = start; index < Math.min(VIEWERS, start + 25); index++) {
      items.push({
        PutRequest: {
          Item: {
            viewerId: viewerId(index),
            runId: RUN_ID,
            modelVersion: 'bench-model',
            updatedAt: new Date().toISOString(),
            ttl,
            recommendations: Array.from({ length: 10 }, (_, rank) => ({
              ...show((index * 7 + rank * 13) % 200),
              partner: PARTNERS[(index + rank) % 4],
              score: 1 - rank / 10,
              rank: rank + 1,
              reason: `Because you watched Show number ${(index + rank) % 200}`,
            })),
          },
        },
      });
    }
    await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE_NAME]: items } }));
  }
}

/** Handler and bare GetItem, alternated request by request on the same client. */
async function measureInProcess(endpoint: string) {
  const { loadOffersConfig } = await import('../functions/offers/config.js');
  const { createOffersHandler } = await import('../functions/offers/handler.js');
  const { makeOffersDynamoClient } = await import('../functions/offers/store.js');
  const client = makeOffersDynamoClient({ endpoint });
  const handler = createOffersHandler({
    config: loadOffersConfig({ TABLE_NAME, DEEP_LINK_TEMPLATES }),
    client,
  });
  const claims = { sub: 'login-service', scope: 'offers/read' };
  const getItem = (viewer: string) =>
    client.send(
      new GetItemCommand({
        TableName: TABLE_NAME,
        Key: { viewerId: { S: viewer }, runId: { S: RUN_ID } },
        ConsistentRead: false,
      }),
    );

  const handlerMs: number[] = [];
  const getItemMs: number[] = [];
  const warmup = Math.min(500, REQUESTS);
  for (let round = 0; round < warmup + REQUESTS; round++) {
    const measured = round >= warmup;
    // Alternate which goes first, so neither always follows the other's garbage.
    const order = round % 2 === 0 ? (['handler', 'getItem'] as const) : (['getItem', 'handler'] as const);
    for (const kind of order) {
      const viewer = randomViewer();
      const startedAt = performance.now();
      if (kind === 'handler') {
        const response = await handler(offersEvent(viewer, { query: { limit: '10' }, claims }));
        if (response.statusCode !== 200) throw new Error(`handler answered ${response.statusCode}`);
      } else {
        const { Item } = await getItem(viewer);
        if (!Item) throw new Error(`no item for ${viewer}`);
      }
      const elapsed = performance.now() - startedAt;
      if (measured) (kind === 'handler' ? handlerMs : getItemMs).push(elapsed);
    }
  }
  client.destroy();
  return { handlerMs, getItemMs };
}

/** `recs serve --port 0 --quiet` as a child process; resolves with its URL once it listens. */
async function startServe(dataDir: string) {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/recs.js'), 'serve', '--port', '0', '--quiet', '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' } },
  );
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = out.match(/^(http:\/\/127\.0\.0\.1:\d+)\n/);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`recs serve exited (${code}): ${err.trim()}`)));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Never leave a server behind if this script dies first.
  const killOnExit = () => child.kill('SIGINT');
  process.once('exit', killOnExit);
  return {
    url,
    stop: async () => {
      process.off('exit', killOnExit);
      child.kill('SIGINT');
      await exited;
    },
  };
}

/** C workers over one keep-alive pool, until N requests are sent or S seconds pass. */
async function loadRun(baseUrl: string, token: string) {
  const { hostname, port } = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latenciesMs: number[] = [];
  let sent = 0;
  let errors = 0;
  let degraded = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const once = (viewer: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        {
          hostname,
          port,
          path: `/viewers/${viewer}/offers`,
          agent,
          headers: { authorization: `Bearer ${token}` },
          timeout: 10_000,
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', reject);
      request.end();
    });
  const worker = async () => {
    while (sent < REQUESTS && performance.now() < deadline) {
      sent++;
      const startedAt = performance.now();
      try {
        const { status, body } = await once(randomViewer());
        latenciesMs.push(performance.now() - startedAt);
        if (status !== 200) errors++;
        else if (!body.includes('"source":"personalized"')) degraded++;
      } catch {
        errors++;
      }
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - startedAt) / 1000;
  agent.destroy();
  return {
    requests: sent,
    seconds: round(seconds),
    requestsPerSecond: Math.round(sent / seconds),
    errors,
    degraded,
    p50Ms: round(percentile(latenciesMs, 0.5)),
    p99Ms: round(percentile(latenciesMs, 0.99)),
  };
}

async function main(): Promise<void> {
  // Quiet logs (the handler's warnings would land on stdout, which is for results) and the stand-in's AWS env.
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const { startDynamo } = await import('../local/standins/dynamodb.js');
  const { localAwsEnv } = await import('../local/standins/aws-env.js');
  const work = await mkdtemp(join(tmpdir(), 'recs-bench-offers-'));
  const machine = () => ({
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    loadAverage1m: round(loadavg()[0] ?? 0),
  });
  try {
    const dataDir = join(work, 'data');
    const dynamo = await startDynamo(join(dataDir, 'dynamodb'));
    let handlerResult: Record<string, unknown>;
    try {
      const awsEnv = localAwsEnv({ dynamodb: dynamo.endpoint });
      Object.assign(process.env, awsEnv);
      const seedClient = new DynamoDBClient({ endpoint: dynamo.endpoint });
      progress(`seeding ${VIEWERS} viewer lists into dynalite`);
      await seed(seedClient);
      seedClient.destroy();

      progress(`handler vs GetItem: ${REQUESTS} requests each, interleaved`);
      const { handlerMs, getItemMs } = await measureInProcess(dynamo.endpoint);

      progress('bundling functions/offers/handler.ts');
      const bundle = await bundleOffersHandler(ROOT, work);
      progress(`cold start: ${COLD_STARTS} fresh processes`);
      const colds: ColdStart[] = [];
      for (let index = 0; index < COLD_STARTS; index++) {
        colds.push(
          await coldStart(
            bundle.file,
            { ...awsEnv, TABLE_NAME, DEEP_LINK_TEMPLATES, POWERTOOLS_LOG_LEVEL: 'ERROR' },
            offersEvent(randomViewer(), {
              query: { limit: '10' },
              claims: { sub: 'login-service', scope: 'offers/read' },
            }),
          ),
        );
      }
      const handlerP99Ms = percentile(handlerMs, 0.99);
      const getItemP99Ms = percentile(getItemMs, 0.99);
      handlerResult = {
        bench: 'offers',
        requests: REQUESTS,
        viewers: VIEWERS,
        handlerP50Ms: round(percentile(handlerMs, 0.5)),
        handlerP99Ms: round(handlerP99Ms),
        getItemP50Ms: round(percentile(getItemMs, 0.5)),
        getItemP99Ms: round(getItemP99Ms),
        p99Ratio: round(handlerP99Ms / getItemP99Ms),
        coldStartMs: median(colds.map((cold) => cold.coldStartMs)),
        // The fastest fresh process is the best estimate of the cost itself on a shared, busy machine.
        coldStartMinMs: round(Math.min(...colds.map((cold) => cold.coldStartMs))),
        coldStartImportMs: median(colds.map((cold) => cold.importMs)),
        coldStartProcessMs: median(colds.map((cold) => cold.processMs)),
        bundleBytes: bundle.bytes,
        ...machine(),
      };
    } finally {
      await dynamo.stop();
    }
    process.stdout.write(`${JSON.stringify(handlerResult)}\n`);

    // The LevelDB directory is free again: `recs serve` opens it in its own process, as a user would.
    progress(`load run through recs serve: C=${CONCURRENCY}, at most ${REQUESTS} requests / ${SECONDS} s`);
    const { loadOrCreateSigningKey, signToken } = await import('../local/jwt-keys.js');
    const token = await signToken(await loadOrCreateSigningKey(dataDir), {
      subject: 'login-service',
      scope: 'offers/read',
    });
    const serve = await startServe(dataDir);
    try {
      const load = await loadRun(serve.url, token);
      process.stdout.write(
        `${JSON.stringify({ bench: 'offers.http', concurrency: CONCURRENCY, ...load, ...machine() })}\n`,
      );
    } finally {
      await serve.stop();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main().catch((error: unknown) => {
  process.stderr.write(`bench offers: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
