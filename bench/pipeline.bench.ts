// End-to-end cost of the local pipeline: the default sample and one 10× larger, one JSON line per case on
// stdout (seconds end to end and per state); anything human goes to stderr. Asserts nothing.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLocalPipeline } from '../local/runtime.js';

const DEFAULT = { viewers: 2000, shows: 300, days: 28, seed: 42 };
const scale = Number(process.argv.find((arg) => arg.startsWith('--scale='))?.split('=')[1] ?? 10);
const cases = [
  { name: 'default', sample: DEFAULT },
  {
    name: `${scale}x`,
    sample: { ...DEFAULT, viewers: DEFAULT.viewers * scale, shows: DEFAULT.shows * Math.ceil(Math.sqrt(scale)) },
  },
];

// Handlers are imported in-process and build their SDK clients once, bound to the first run's stand-in ports,
// so each case runs in its own process (as each `npm start` does).
const only = process.argv.find((arg) => arg.startsWith('--case='))?.split('=')[1];
if (only === undefined) {
  for (const { name } of cases) {
    const child = spawn(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), `--case=${name}`],
      {
        stdio: 'inherit',
      },
    );
    await new Promise((resolve) => child.on('exit', resolve));
  }
}

for (const { name, sample } of cases.filter((c) => c.name === only)) {
  const dataDir = mkdtempSync(join(tmpdir(), 'recs-bench-'));
  const started = performance.now();
  try {
    process.stderr.write(`bench pipeline.${name}: ${JSON.stringify(sample)}\n`);
    const summary = await runLocalPipeline({ dataDir, sample, log: (line) => process.stderr.write(`${line}\n`) });
    const perState: Record<string, number> = {};
    for (const state of summary.states) perState[state.name] = state.seconds;
    process.stdout.write(
      `${JSON.stringify({
        bench: `pipeline.${name}`,
        ...sample,
        events: summary.events,
        status: summary.status,
        wallSeconds: Math.round((performance.now() - started) / 10) / 100,
        executionSeconds: summary.durationSeconds,
        states: perState,
        node: process.version,
        cpu: cpus()[0]?.model ?? 'unknown',
        cpus: cpus().length,
      })}\n`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
