import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineCommand } from 'citty';
import { UsageError } from '../errors.js';

const benchFile = (name: string) => fileURLToPath(new URL(`../../bench/${name}.bench.ts`, import.meta.url));

/** `recs bench <name> [flags]`: runs bench/<name>.bench.ts, which prints one JSON object per case on stdout. */
export default defineCommand({
  meta: { name: 'bench', description: 'Run a benchmark (fanout, offers, model, pipeline, redrive); JSON on stdout.' },
  args: { name: { type: 'positional', description: 'benchmark name', required: true } },
  async run({ args, rawArgs }) {
    const name = String(args.name);
    if (!/^[a-z-]+$/.test(name) || !existsSync(benchFile(name))) throw new UsageError(`unknown benchmark "${name}"`);
    const rest = rawArgs.slice(rawArgs.indexOf(name) + 1);
    const child = spawn(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', benchFile(name), ...rest], {
      stdio: 'inherit',
    });
    process.exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  },
});
