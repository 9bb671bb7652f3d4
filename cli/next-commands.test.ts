import type { ArgsDef, CommandDef } from 'citty';
import { describe, expect, it } from 'vitest';
import type { ExecutionSummary } from '../local/run-summary.js';
import { nextCommands, renderSummary } from '../local/summary.js';

// What `recs run` prints last (local/summary.ts) must be commands and flags this CLI has (issue #16).
const base: ExecutionSummary = {
  executionName: 'local-20261202T114420Z-0284',
  status: 'SUCCEEDED',
  viewers: 2000,
  shows: 300,
  events: 15_489,
  recommendationsWritten: 2000,
  metrics: {},
  durationSeconds: 88.8,
  states: [],
  runId: '20261202T114420Z-local-20261202T114420Z-0284',
  sampleViewer: { viewerId: 'v000003', partners: ['hulu'], recommendations: [] },
};

// Every `npx recs <command> --flag` printed must be a command and flags `recs` has.
async function expectRunnable(lines: readonly string[]): Promise<void> {
  let commands = 0;
  for (const line of lines) {
    for (const [, command, rest] of line.matchAll(/npx recs (\w+)([^;#)&]*)/g)) {
      commands++;
      const module = (await import(`./commands/${command}.ts`)) as { default: CommandDef };
      const args = (module.default.args ?? {}) as ArgsDef;
      for (const [, flag] of (rest ?? '').matchAll(/--([a-z-]+)/g)) expect(Object.keys(args)).toContain(flag);
    }
  }
  // Lines without a single `npx recs` command would pass the loop above without checking anything.
  expect(commands).toBeGreaterThan(0);
}

describe('nextCommands', () => {
  it('after a success: the API with the sample viewer, the run report, and a failure drill with its redrive', async () => {
    const lines = nextCommands(base);

    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('npx recs serve');
    expect(lines[0]).toContain(
      'curl -H "authorization: Bearer $(npx recs token --viewer v000003)" http://127.0.0.1:3000/viewers/v000003/offers',
    );
    expect(lines[1]).toContain('npx recs report --run 20261202T114420Z-local-20261202T114420Z-0284 --open');
    expect(lines[2]).toContain(
      'npx recs run --execution-name local-20261202T114420Z-0284-drill --fail-at WriteTopTen; npx recs redrive local-20261202T114420Z-0284-drill',
    );
    await expectRunnable(lines);
  });

  it('after a Task failure: where it failed, then the redrive of this execution', async () => {
    const failed: ExecutionSummary = { ...base, status: 'FAILED', failedState: 'TrainModel', isRedrivable: true };

    const lines = nextCommands(failed, '/tmp/data');

    expect(lines[0]).toContain('npx recs executions --data-dir /tmp/data');
    expect(lines[0]).toContain('/tmp/data/executions/local-20261202T114420Z-0284/history.jsonl');
    expect(lines[1]).toContain('npx recs redrive local-20261202T114420Z-0284 --data-dir /tmp/data');
    expect(lines[1]).toContain('resumes at TrainModel');
    await expectRunnable(lines);
  });

  it('after a failure by decision: a new execution, never a redrive it would refuse', () => {
    const rejected: ExecutionSummary = { ...base, status: 'FAILED', failedState: 'ModelRejected', isRedrivable: false };

    const lines = nextCommands(rejected);

    expect(lines.join('\n')).not.toContain('redrive local-');
    expect(lines[1]).toContain('ModelRejected is a decision');
  });

  it('ends the printed summary with the numbered commands', () => {
    const text = renderSummary(base);

    expect(text).toMatch(
      /next:\n {2}1\. npx recs serve[^\n]*\n {5}curl [^\n]*\n {2}2\. npx recs report[^\n]*\n {2}3\. npx recs run /,
    );
    expect(text.endsWith('\n')).toBe(true);
  });
});
