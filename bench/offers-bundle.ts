/**
 * The offers Lambda as it ships, for `recs bench offers` (offers.bench.ts): its esbuild bundle, and a cold start of
 * that bundle in a fresh node process.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { lambdaBuildOptions } from '../local/lambda-bundle.js';

/** The offers Lambda's bundle exactly as serverless-esbuild builds it (serverless.yml `custom.esbuild`). */
export async function bundleOffersHandler(root: string, outDir: string): Promise<{ file: string; bytes: number }> {
  const file = join(outDir, 'offers.mjs');
  await build({ ...lambdaBuildOptions(root, 'offers'), logLevel: 'error', outfile: file });
  return { file, bytes: (await stat(file)).size };
}

export interface ColdStart {
  coldStartMs: number;
  importMs: number;
  processMs: number;
}

/** A fresh node process: import the bundle, serve one request; returns ms from before import to the response. */
export async function coldStart(bundleFile: string, env: Record<string, string>, event: unknown): Promise<ColdStart> {
  const script = `
    const startedAt = performance.now();
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundleFile).href)});
    const importedAt = performance.now();
    const response = await handler(JSON.parse(process.env.BENCH_EVENT));
    const endedAt = performance.now();
    if (response.statusCode !== 200 || !response.body.includes('"personalized"')) throw new Error('cold request failed: ' + response.body);
    process.stdout.write(JSON.stringify({ coldStartMs: endedAt - startedAt, importMs: importedAt - startedAt, processMs: endedAt }));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      BENCH_EVENT: JSON.stringify(event),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`cold-start process failed (${code}): ${err.trim()}`);
  return JSON.parse(out) as ColdStart;
}
