// Batch-transform serving benchmark (issue #15): the real container (`model/main.ts serve`) over HTTP, fed the way
// SageMaker feeds it: JSON Lines requests of the pipeline's configured MaxPayloadInMB (whole lines, as many as fit),
// MaxConcurrentTransforms of them in flight. Progress on stderr; the last stdout line is one JSON object.
//   recs bench transform --shows 20000 --viewers 200000 [--json]
//     [--payload-mb N] [--concurrency N]   override the configured request size / requests in flight
//     [--threads N]                         ranking threads (default: every vCPU, as on the instance)
//     [--model-viewers N]                   viewers the model knows (default: --viewers)
//     [--factors N]                         iALS factors (default 64, the training default)
// The model has random iALS factors (model/testing/serving-artifact.ts): serving cost does not depend on their values.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readPipelineSizing } from '../local/pipeline-sizing.js';

// model/ has its own tsconfig (no noUncheckedIndexedAccess); load it untyped here and name what we use.
const load = async <T>(path: string): Promise<T> => (await import(path)) as T;
const { saveArtifact } = await load<{ saveArtifact(dir: string, artifact: unknown): Promise<void> }>(
  '../model/artifact.js',
);
const { makeServingArtifact, viewerIdOf } = await load<{
  makeServingArtifact(o: { viewers: number; shows: number; factors: number; seed: number }): unknown;
  viewerIdOf(u: number): string;
}>('../model/testing/serving-artifact.js');

const { values } = parseArgs({
  options: {
    shows: { type: 'string', default: '20000' },
    viewers: { type: 'string', default: '100000' },
    'model-viewers': { type: 'string' },
    'payload-mb': { type: 'string' },
    concurrency: { type: 'string' },
    threads: { type: 'string' },
    factors: { type: 'string', default: '64' },
    json: { type: 'boolean', default: false },
  },
});

const root = fileURLToPath(new URL('..', import.meta.url));
const progress = (message: string) => process.stderr.write(`${message}\n`);
const positive = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got "${value}")`);
  return n;
};

/** Resident set of a process and every descendant, now and at its peak (VmHWM), from /proc (Linux). */
function treeRss(pid: number): { rssBytes: number; peakBytes: number } {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let rssBytes = 0;
  let peakBytes = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      rssBytes += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      peakBytes += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // ended
    }
    for (const child of children.get(p) ?? []) visit(child);
  };
  visit(pid);
  return { rssBytes, peakBytes };
}

/** CPU seconds (user + system, every thread) a process has used, from /proc/<pid>/stat (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime) are at 11 and 12 once pid and comm are cut off.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Request bodies as SageMaker builds them for SplitType Line + MultiRecord: whole lines up to the payload limit. */
function* requestBodies(viewers: number, maxPayloadBytes: number): Generator<{ body: string; lines: number }> {
  let lines: string[] = [];
  let bytes = 0;
  for (let u = 0; u < viewers; u++) {
    const line = JSON.stringify({ viewer_id: viewerIdOf(u) });
    const size = Buffer.byteLength(line) + 1;
    if (lines.length > 0 && bytes + size > maxPayloadBytes) {
      yield { body: `${lines.join('\n')}\n`, lines: lines.length };
      lines = [];
      bytes = 0;
    }
    lines.push(line);
    bytes += size;
  }
  if (lines.length > 0) yield { body: `${lines.join('\n')}\n`, lines: lines.length };
}

/** One /invocations request; counts the answer's bytes and lines without keeping them. */
function invoke(port: number, body: string): Promise<{ ms: number; bytes: number; lines: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/invocations',
        headers: { 'content-type': 'application/jsonlines' },
      },
      (res) => {
        let bytes = 0;
        let lines = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`/invocations answered ${res.statusCode}`));
          else resolve({ ms: performance.now() - started, bytes, lines });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('serve did not answer /ping within 120 s');
}

const percentile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;

async function main(): Promise<void> {
  const sizing = readPipelineSizing(root).transform;
  const shows = positive('shows', values.shows) ?? 20000;
  const viewers = positive('viewers', values.viewers) ?? 100000;
  const modelViewers = positive('model-viewers', values['model-viewers']) ?? viewers;
  const payloadMb = positive('payload-mb', values['payload-mb']) ?? sizing.MaxPayloadInMB;
  const concurrency = positive('concurrency', values.concurrency) ?? sizing.MaxConcurrentTransforms;
  const threads = positive('threads', values.threads) ?? availableParallelism();
  const factors = positive('factors', values.factors) ?? 64;

  const work = mkdtempSync(join(tmpdir(), 'recs-bench-transform-'));
  let server: ChildProcess | undefined;
  try {
    progress(`building a ${modelViewers} viewers × ${shows} shows iALS model (f = ${factors})`);
    await saveArtifact(join(work, 'model'), makeServingArtifact({ viewers: modelViewers, shows, factors, seed: 15 }));
    const port = 20000 + Math.floor(Math.random() * 20000);
    server = spawn(process.execPath, ['--import', 'tsx', join(root, 'model/main.ts'), 'serve'], {
      env: {
        ...process.env,
        SM_OPT_ML_ROOT: work,
        SAGEMAKER_BIND_TO_PORT: String(port),
        TOP_K: '10',
        SERVE_THREADS: String(threads),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitForPing(port, server);
    const pid = server.pid as number;
    const idle = treeRss(pid);
    progress(`serving on ${threads} threads, ${(idle.rssBytes / 1e6).toFixed(0)} MB resident after loading the model`);

    const bodies = requestBodies(viewers, payloadMb * 1024 * 1024);
    const latencies: number[] = [];
    let responseBytes = 0;
    let answered = 0;
    let sentLines = 0;
    let sampledPeak = idle.rssBytes;
    const sampler = setInterval(() => {
      sampledPeak = Math.max(sampledPeak, treeRss(pid).rssBytes);
    }, 200);
    const started = performance.now();
    const cpuBefore = cpuSeconds(pid);
    // MaxConcurrentTransforms clients, each sending its next request when the last one is answered, as SageMaker does.
    const client = async () => {
      for (let next = bodies.next(); !next.done; next = bodies.next()) {
        sentLines += next.value.lines;
        const answer = await invoke(port, next.value.body);
        if (answer.lines !== next.value.lines) {
          throw new Error(`a request of ${next.value.lines} lines got ${answer.lines} answer lines`);
        }
        latencies.push(answer.ms);
        responseBytes += answer.bytes;
        answered += answer.lines;
        progress(`${answered}/${viewers} viewers, last request ${(answer.ms / 1000).toFixed(1)} s`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, client));
    const seconds = (performance.now() - started) / 1000;
    const serverCpuSeconds = cpuSeconds(pid) - cpuBefore;
    clearInterval(sampler);
    const peak = treeRss(pid);

    const sorted = [...latencies].sort((a, b) => a - b);
    const invocationTimeoutMs = sizing.InvocationsTimeoutInSeconds * 1000;
    const p99Ms = percentile(sorted, 0.99);
    const cores = Math.min(threads, availableParallelism());
    process.stdout.write(
      `${JSON.stringify({
        bench: 'transform',
        shows,
        factors,
        modelViewers,
        viewers: sentLines,
        payloadMb,
        concurrency,
        threads,
        viewersPerRequest: Math.round(sentLines / latencies.length),
        requests: latencies.length,
        p50Ms: Math.round(percentile(sorted, 0.5)),
        p99Ms: Math.round(p99Ms),
        maxMs: Math.round(sorted.at(-1) ?? 0),
        invocationTimeoutMs,
        p99ShareOfTimeout: Number((p99Ms / invocationTimeoutMs).toFixed(4)),
        viewersPerSecond: Math.round(sentLines / seconds),
        // Per core from the server's own CPU time (all its threads): on a shared box wall time mixes in other jobs.
        viewersPerSecondPerCore: Math.round(sentLines / serverCpuSeconds),
        cpuMsPerViewer: Number(((serverCpuSeconds * 1000) / sentLines).toFixed(4)),
        serverCpuSeconds: Number(serverCpuSeconds.toFixed(2)),
        wallViewersPerSecondPerCore: Math.round(sentLines / seconds / cores),
        idleRssBytes: idle.rssBytes,
        peakRssBytes: Math.max(peak.peakBytes, sampledPeak),
        responseBytesPerRequest: Math.round(responseBytes / latencies.length),
        responseBytesPerViewer: Math.round(responseBytes / sentLines),
        seconds: Number(seconds.toFixed(2)),
        node: process.version,
        cpu: cpus()[0]?.model ?? 'unknown',
        vcpus: availableParallelism(),
        loadAverage1m: Number((loadavg()[0] ?? 0).toFixed(2)),
      })}\n`,
    );
  } finally {
    server?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
