import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * The container as the SageMaker player runs it: a child process per job with `/opt/ml` mapped to the job's
 * work folder (SM_OPT_ML_ROOT), `train` run to its end, `serve` kept up behind GET /ping.
 */

/** How to start the container for a mode (`train` or `serve`). */
export type ContainerCommand = (mode: 'train' | 'serve') => { command: string; args: string[] };

export const nodeContainer =
  (projectRoot: string): ContainerCommand =>
  (mode) => ({
    command: process.execPath,
    args: ['--import', 'tsx', join(projectRoot, 'model/main.ts'), mode],
  });

/** A job this process runs: its container, once started, and whether StopXJob asked it to end. */
export interface RunningJob {
  done: Promise<void>;
  child?: ChildProcess;
  stopping?: boolean;
}

/** How a job starts the container: the command, and the environment the container gets besides its own. */
export interface ContainerLauncher {
  container: ContainerCommand;
  /** Extra environment for the container (on top of this process's). */
  env?: Record<string, string>;
}

function childEnv(launcher: ContainerLauncher, work: string, env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...launcher.env, ...env, SM_OPT_ML_ROOT: work };
}

/** Starts `serve`; `exited` resolves with what to report if it ends (or cannot start). */
export function startServeContainer(launcher: ContainerLauncher, work: string, env: Record<string, string>) {
  const { command, args } = launcher.container('serve');
  const child = spawn(command, args, { env: childEnv(launcher, work, env), stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const keep = (chunk: Buffer) => {
    logs.push(chunk.toString());
    if (logs.length > 50) logs.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<string>((resolve) => {
    child.on('exit', (code) => resolve(`serve exited with code ${code}: ${logs.join('').slice(-500)}`));
    child.on('error', (error) => resolve(`serve could not start: ${error.message}`));
  });
  return { child, exited };
}

/** Runs `train` to its end, line by line through `onLine`; its whole log goes to output/logs.txt. */
export function runTrainContainer(
  launcher: ContainerLauncher,
  work: string,
  env: Record<string, string>,
  job: RunningJob,
  onLine: (line: string) => void,
): Promise<{ code: number; logTail: string }> {
  const { command, args } = launcher.container('train');
  const child = spawn(command, args, { env: childEnv(launcher, work, env), stdio: ['ignore', 'pipe', 'pipe'] });
  job.child = child;
  // Stopped while it was still downloading its input: end as soon as it starts.
  if (job.stopping) child.kill('SIGTERM');
  const tail: string[] = [];
  const log: string[] = [];
  const lines = (chunk: Buffer, buffer: { rest: string }) => {
    const text = buffer.rest + chunk.toString();
    const parts = text.split('\n');
    buffer.rest = parts.pop() ?? '';
    for (const line of parts) {
      log.push(line);
      tail.push(line);
      if (tail.length > 20) tail.shift();
      onLine(line);
    }
  };
  const out = { rest: '' };
  const err = { rest: '' };
  child.stdout?.on('data', (chunk: Buffer) => lines(chunk, out));
  child.stderr?.on('data', (chunk: Buffer) => lines(chunk, err));
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: -1, logTail: error.message }));
    child.on('close', (code) => {
      for (const rest of [out.rest, err.rest]) if (rest) lines(Buffer.from('\n'), { rest });
      writeFileSync(join(work, 'output/logs.txt'), `${log.join('\n')}\n`);
      resolve({ code: code ?? -1, logTail: tail.slice(-5).join(' | ') });
    });
  });
}

export function containerDied(message: string): never {
  throw new Error(message);
}

export async function waitForPing(port: number, exited: Promise<string>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead: string | undefined;
  void exited.then((message) => {
    dead = message;
  });
  while (Date.now() < deadline) {
    if (dead) throw new Error(dead);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/ping`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`serve did not answer GET /ping within ${timeoutMs} ms`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
