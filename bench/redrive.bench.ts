// What a redrive saves (issue #7): for each Task state, the seconds a redrive from that state takes after a
// fault failed it there, next to a full clean run of the same sample. One JSON line per case on stdout;
// anything human goes to stderr. Asserts nothing. All executions share one session (one set of stand-ins),
// as the Lambdas keep the SDK clients of the first stand-ins they see.
//   npm run bench:redrive -- --viewers=2000 --shows=300

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFaultSpec } from '../local/faults.js';
import { openLocalSession } from '../local/runtime.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const today = new Date();
const END = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
const SAMPLE = {
  viewers: arg('viewers', 2000),
  shows: arg('shows', 300),
  days: arg('days', 28),
  seed: 42,
  endDate: END,
};
const INPUT = { asOf: END.toISOString() };
const STATES = [
  'PrepareRun',
  'UnloadViewership',
  'CheckUnload',
  'TrainModel',
  // The first pass starts the job, every poll fails: the job runs on and the redrive reuses it.
  'TrainModel:2+',
  'QualityGate',
  'CreateModel',
  'BatchRecommend',
  'BatchRecommend:2+',
  'WriteTopTen:batch=0',
  'Publish',
];

const runTagged = (jobs: Record<string, Record<string, unknown>>, runId: string) =>
  Object.values(jobs).filter((job) =>
    (job.Tags as { Key: string; Value: string }[] | undefined)?.some((t) => t.Key === 'runId' && t.Value === runId),
  ).length;
const jobsOfRun = (runId: string) => {
  const registry = session.stack.sagemaker.registry();
  return {
    trainingJobs: runTagged(registry.trainingJobs, runId),
    transformJobs: runTagged(registry.transformJobs, runId),
  };
};

const dataDir = mkdtempSync(join(tmpdir(), 'recs-bench-redrive-'));
const session = await openLocalSession({ dataDir, sample: SAMPLE, log: (line) => process.stderr.write(`${line}\n`) });
const machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length };
try {
  // The first execution of a process also loads the handler modules; a warm full run is the fair baseline.
  await session.start({ executionName: 'warm-up', input: INPUT });
  const full = await session.start({ executionName: 'full', input: INPUT });
  const fullRunSeconds = full.durationSeconds;
  process.stdout.write(
    `${JSON.stringify({ bench: 'redrive', case: 'full-run', status: full.status, seconds: fullRunSeconds, ...SAMPLE, endDate: undefined, ...machine })}\n`,
  );
  for (const spec of STATES) {
    const fault = parseFaultSpec(spec);
    const name = `fail-${spec.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    const failed = await session.start({ executionName: name, input: INPUT, failAt: fault });
    const redriven = await session.redrive(name);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'redrive',
        case: spec,
        status: redriven.status,
        failedRunSeconds: failed.durationSeconds,
        redriveSeconds: redriven.durationSeconds,
        fullRunSeconds,
        savedFraction: Math.round((1 - redriven.durationSeconds / fullRunSeconds) * 100) / 100,
        statesRerun: redriven.states.length,
        // Jobs the run started in all: 1 each means the failed attempt's job was reused, not repeated.
        ...jobsOfRun(String(redriven.runId)),
        viewers: SAMPLE.viewers,
        ...machine,
      })}\n`,
    );
  }
} finally {
  await session.close();
  rmSync(dataDir, { recursive: true, force: true });
}
