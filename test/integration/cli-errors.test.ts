import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every CLI error a newcomer meets first names its fix (issue #16), checked through the real `recs` binary.
const recsBin = fileURLToPath(new URL('../../bin/recs.js', import.meta.url));
const recs = (args: string[]) =>
  new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [recsBin, ...args], { timeout: 120_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });

let root: string;
let missing: string;
let busy: Server;
let busyPort: number;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'recs-cli-errors-'));
  missing = join(root, 'never-ran');
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => busy?.close(resolve));
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('recs errors name the fix', () => {
  it('before any run, report and redrive say to run `npm start` first', async () => {
    const [report, redrive] = await Promise.all([
      recs(['report', '--data-dir', missing]),
      recs(['redrive', 'local-1', '--data-dir', missing]),
    ]);

    for (const result of [report, redrive]) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`no local run in ${missing} yet: run \`npm start\` first`);
    }
  });

  it('a port in use points to --port', async () => {
    const result = await recs(['serve', '--port', String(busyPort), '--data-dir', join(root, 'serve'), '--quiet']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`port ${busyPort} is in use; pick another with --port`);
  });

  it('an unknown command or flag points to --help', async () => {
    const [command, flag] = await Promise.all([recs(['runn']), recs(['run', '--viewer', '5'])]);

    expect(command.code).toBe(2);
    expect(command.stderr).toBe('recs: Unknown command runn: `recs --help` shows the usage\n');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe('recs: unknown flag --viewer: --help lists the flags\n');
  });
});
