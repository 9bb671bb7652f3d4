// Fan-out benchmark (issue #5): N synthetic top-10 lists through the real writer core (S3 stream → zod →
// BatchWriteItem) and, in the same run, through a bare BatchWriteItem loop with prebuilt items: the
// stand-in's ceiling. One JSON object on stdout, progress on stderr.
//   npm run bench:fanout -- --viewers 100000 [--concurrency 8] [--per-object N (default min(5000, viewers/10))] [--json]
//   recs bench fanout --viewers 10000
// The stand-ins (s3rver, dynalite) run in a child process, so peakRssMb is the writer's own memory and the
// stand-ins do not compete with it for the same event loop.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type AttributeValue, BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { makeBulkDynamoClient } from '../functions/_shared/dynamo-client.js';
import { ttlEpochSeconds } from '../functions/_shared/dynamo-table.js';
import { runPrefixes } from '../functions/_shared/run-layout.js';
import { MAX_ITEMS_PER_REQUEST } from '../functions/write-recs/batch-writer.js';
import { toViewerListItem } from '../functions/write-recs/transform-line.js';
import { type WriteRecsDeps, writeRecs } from '../functions/write-recs/write-recs.js';
import { startDynamo } from '../local/standins/dynamodb.js';
import { startS3 } from '../local/standins/s3.js';
import { ensureRecommendationsTable } from '../local/tables.js';
import { makeTopTen, transformObject, viewerIdOf } from '../test/support/transform-output.js';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '8' },
    'per-object': { type: 'string' },
    json: { type: 'boolean', default: false },
    serve: { type: 'boolean', default: false },
  },
});

const progress = (message: string) => {
  if (!values.json) process.stderr.write(`${message}\n`);
};

/** Child mode: run the stand-ins and print their endpoints; exit when the parent closes stdin. */
async function serveStandIns(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'recs-bench-s3-'));
  const s3 = await startS3(directory);
  const dynamo = await startDynamo();
  process.stdout.write(`${JSON.stringify({ s3: s3.endpoint, dynamodb: dynamo.endpoint })}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await Promise.all([s3.stop(), dynamo.stop()]);
    rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  });
}

async function startStandInsProcess(): Promise<{ child: ChildProcess; s3: string; dynamodb: string }> {
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', fileURLToPath(import.meta.url), '--serve'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const first = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`stand-ins exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
  });
  return { child, ...(JSON.parse(first) as { s3: string; dynamodb: string }) };
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const viewers = Number(values.viewers);
  const concurrency = Number(values.concurrency);
  // At least ten alternating rounds, so load on the machine hits both paths alike.
  const perObject = Number(values['per-object'] ?? Math.min(5000, Math.ceil(viewers / 10)));
  const standIns = await startStandInsProcess();
  // The SDK reads these like in Lambda; s3rver accepts only its built-in S3RVER account, dynalite any.
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_DYNAMODB: standIns.dynamodb,
  });
  const s3 = new S3Client({
    endpoint: standIns.s3,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const dynamo = makeBulkDynamoClient({ maxSockets: concurrency });
  const bucket = 'bench';
  try {
    const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await ensureRecommendationsTable(dynamo, 'writer');
    await ensureRecommendationsTable(dynamo, 'raw');

    const runId = '20240501T020000Z-bench';
    const keys: string[] = [];
    for (let from = 0; from < viewers; from += perObject) {
      const key = `${runPrefixes(runId).recommendations}part-${String(keys.length).padStart(5, '0')}.out`;
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: transformObject(from, Math.min(viewers, from + perObject)),
        }),
      );
      keys.push(key);
    }
    progress(`uploaded ${viewers} lists in ${keys.length} objects; writing with ${concurrency} requests in flight`);

    // dynalite slows down as its store grows, so the two paths alternate object by object (and which goes
    // first) and both see the same table sizes; each path's time is the sum of its own rounds.
    const now = Date.now();
    const row = { runId, modelVersion: 'bench', updatedAt: new Date(now).toISOString(), ttl: ttlEpochSeconds(now, 30) };
    const writerDeps: WriteRecsDeps = {
      s3,
      dynamo,
      tableName: 'writer',
      ttlDays: 30,
      concurrency,
      deadlineMs: Number.POSITIVE_INFINITY,
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
      logger: { warn: (message, fields) => progress(`${message} ${JSON.stringify(fields)}`), info: () => {} },
    };

    // Bare loop, the stand-in's ceiling: `concurrency` requests in flight and nothing else on the client. Each
    // request's items are built just before it is sent (prebuilding a round would inflate the process's RSS,
    // which is the writer's figure) and the synchronous build time is taken off the loop's clock.
    const buildRequests = (from: number, to: number): WriteRequest[] => {
      const batch: WriteRequest[] = [];
      for (let i = from; i < to; i++) {
        const viewerId = viewerIdOf(i);
        const item: Record<string, AttributeValue> = toViewerListItem(
          { viewerId, recommendations: makeTopTen(viewerId) },
          row,
        );
        batch.push({ PutRequest: { Item: item } });
      }
      return batch;
    };
    let rawBuildMs = 0;
    const rawRound = async (from: number, to: number) => {
      let next = from;
      const worker = async () => {
        while (next < to) {
          const first = next;
          next = Math.min(to, next + MAX_ITEMS_PER_REQUEST);
          const built = performance.now();
          let requests = buildRequests(first, next);
          rawBuildMs += performance.now() - built;
          while (requests.length > 0) {
            const out = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { raw: requests } }));
            requests = out.UnprocessedItems?.raw ?? [];
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    };

    global.gc?.();
    const startRss = process.memoryUsage.rss();
    let peakRss = startRss;
    let isWriterRunning = false;
    const sampler = setInterval(() => {
      if (isWriterRunning) peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 20);
    let rawMs = 0;
    let writerMs = 0;
    let written = 0;
    const writerCpu = { user: 0, system: 0 };
    for (const [round, key] of keys.entries()) {
      const from = round * perObject;
      const to = Math.min(viewers, from + perObject);
      const runRaw = async () => {
        const started = performance.now();
        const buildBefore = rawBuildMs;
        await rawRound(from, to);
        rawMs += performance.now() - started - (rawBuildMs - buildBefore);
      };
      const runWriter = async () => {
        const cpu = process.cpuUsage();
        const started = performance.now();
        isWriterRunning = true;
        const result = await writeRecs(
          { Items: [{ Key: key }], BatchInput: { bucket, runId, modelVersion: 'bench' } },
          writerDeps,
        );
        isWriterRunning = false;
        writerMs += performance.now() - started;
        const used = process.cpuUsage(cpu);
        writerCpu.user += used.user;
        writerCpu.system += used.system;
        written += result.written;
      };
      if (round % 2 === 0) {
        await runRaw();
        await runWriter();
      } else {
        await runWriter();
        await runRaw();
      }
      progress(
        `round ${round + 1}/${keys.length}: raw ${(rawMs / 1000).toFixed(1)} s, writer ${(writerMs / 1000).toFixed(1)} s`,
      );
    }
    clearInterval(sampler);
    if (written !== viewers) throw new Error(`writer wrote ${written} of ${viewers}`);
    const rawSeconds = rawMs / 1000;
    const writerSeconds = writerMs / 1000;

    const writerItemsPerSecond = Math.round(viewers / writerSeconds);
    const rawItemsPerSecond = Math.round(viewers / rawSeconds);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'fanout',
        viewers,
        writerItemsPerSecond,
        rawItemsPerSecond,
        ratio: Math.round((writerItemsPerSecond / rawItemsPerSecond) * 1000) / 1000,
        peakRssMb: Math.round(peakRss / 1e6),
        startRssMb: Math.round(startRss / 1e6),
        // Client-side CPU per item (parse, validate, marshal, sign, send): what bounds one Lambda's rate in AWS.
        writerCpuUsPerItem: Math.round((writerCpu.user + writerCpu.system) / viewers),
        concurrency,
        objects: keys.length,
        node: process.version,
        cpu: cpus()[0]?.model ?? 'unknown',
      })}\n`,
    );
  } finally {
    s3.destroy();
    dynamo.destroy();
    standIns.child.stdin?.end();
  }
}

if (values.serve) await serveStandIns();
else await main();
