// End-to-end cost of the local pipeline: the default sample and one 10× larger, one JSON line per case on
// stdout (seconds end to end and per state); anything human goes to stderr. Asserts nothing.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLocalSession } from '../local/runtime.js';

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
// so each case runs in its own process (as each `npm start` does): once without and once with IAM enforcement
// (issue #14), and the parent prints the ratio of the two from the same bench run.
const only = process.argv.find((arg) => arg.startsWith('--case='))?.split('=')[1];
const iam = !process.argv.includes('--no-iam');
if (only === undefined) {
  const runCase = async (name: string, withIam: boolean): Promise<Record<string, unknown> | undefined> => {
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        ...process.argv.slice(2),
        `--case=${name}`,
        ...(withIam ? [] : ['--no-iam']),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      process.stdout.write(chunk);
    });
    await new Promise((resolve) => child.on('exit', resolve));
    const last = out.trim().split('\n').at(-1);
    return last ? (JSON.parse(last) as Record<string, unknown>) : undefined;
  };
  // `--only=default` runs one case (its pair with and without IAM).
  const selected = process.argv.find((arg) => arg.startsWith('--only='))?.split('=')[1];
  // `--repeats=N` (1) runs N pairs, alternating which goes first so a load change on a shared box hits both sides;
  // the ratios are per pair and their median is the figure.
  const repeats = Math.max(1, Number(process.argv.find((arg) => arg.startsWith('--repeats='))?.split('=')[1] ?? 1));
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  };
  const round3 = (value: number) => Math.round(value * 1000) / 1000;
  for (const { name } of cases.filter((c) => selected === undefined || c.name === selected)) {
    const pairs: { without: Record<string, unknown>; withIam: Record<string, unknown> }[] = [];
    for (let repeat = 0; repeat < repeats; repeat++) {
      const iamFirst = repeat % 2 === 1;
      const first = await runCase(name, iamFirst);
      const second = await runCase(name, !iamFirst);
      if (!first || !second) continue;
      pairs.push(iamFirst ? { without: second, withIam: first } : { without: first, withIam: second });
    }
    if (pairs.length === 0) continue;
    const ratios = (key: string) =>
      pairs.map(({ without, withIam }) => round3(Number(withIam[key]) / Number(without[key])));
    const last = pairs.at(-1);
    process.stdout.write(
      `${JSON.stringify({
        bench: `pipeline.${name}.iamOverhead`,
        pairs: pairs.length,
        withoutIamSeconds: pairs.map(({ without }) => without.executionSeconds),
        withIamSeconds: pairs.map(({ withIam }) => withIam.executionSeconds),
        executionRatio: round3(median(ratios('executionSeconds'))),
        executionRatioEach: ratios('executionSeconds'),
        wallRatio: round3(median(ratios('wallSeconds'))),
        iamChecks: last?.withIam.iamChecks,
        iamSimulations: last?.withIam.iamSimulations,
        iamCheckSeconds: last?.withIam.iamCheckSeconds,
        loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      })}\n`,
    );
  }
}

for (const { name, sample } of cases.filter((c) => c.name === only)) {
  const dataDir = mkdtempSync(join(tmpdir(), 'recs-bench-'));
  const started = performance.now();
  try {
    process.stderr.write(`bench pipeline.${name} (IAM ${iam ? 'on' : 'off'}): ${JSON.stringify(sample)}\n`);
    const session = await openLocalSession({ dataDir, sample, iam, log: (line) => process.stderr.write(`${line}\n`) });
    const summary = await session.start().finally(() => session.close());
    const stats = session.stack.iam?.authorizer.stats ?? { checks: 0, simulations: 0, seconds: 0 };
    const perState: Record<string, number> = {};
    for (const state of summary.states) perState[state.name] = state.seconds;
    process.stdout.write(
      `${JSON.stringify({
        bench: `pipeline.${name}`,
        iam,
        ...sample,
        events: summary.events,
        status: summary.status,
        wallSeconds: Math.round((performance.now() - started) / 10) / 100,
        executionSeconds: summary.durationSeconds,
        ...(iam
          ? {
              iamChecks: stats.checks,
              iamSimulations: stats.simulations,
              iamCheckSeconds: Math.round(stats.seconds * 100) / 100,
            }
          : {}),
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
