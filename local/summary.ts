import type { ExecutionSummary } from './run-summary.js';

/** The data dir `recs` commands use unless given `--data-dir`. */
export const DEFAULT_DATA_DIR = '.recs';
/** The port `recs serve` listens on unless given `--port`. */
export const DEFAULT_SERVE_PORT = 3000;

/**
 * The three commands a newcomer most likely wants next, with this execution's real ids (issue #16): after a success,
 * ask the API for the sample viewer's offers, open the run's report, rehearse a failure and its redrive; after a
 * failure, find where it failed, then redrive it (or, failed by decision, start a new execution).
 */
export function nextCommands(summary: ExecutionSummary, dataDir: string = DEFAULT_DATA_DIR): string[] {
  const dirFlag = dataDir === DEFAULT_DATA_DIR ? '' : ` --data-dir ${dataDir}`;
  const recs = (args: string) => `npx recs ${args}${dirFlag}`;
  const name = summary.executionName;
  if (summary.status === 'FAILED') {
    return [
      `${recs('executions')}   # where it failed; every state's input and output: ${dataDir}/executions/${name}/history.jsonl`,
      summary.isRedrivable === false
        ? `${recs('run')}   # ${summary.failedState ?? 'a Fail state'} is a decision, not an error: fix the data, start a new execution`
        : `${recs(`redrive ${name}`)}   # after fixing the cause (README "A run failed"): resumes at ${summary.failedState ?? 'the failed state'}`,
      `${recs(`run --execution-name ${name}-retry`)}   # or start over as a new execution`,
    ];
  }
  const viewer = summary.sampleViewer?.viewerId ?? '<viewerId>';
  const url = `http://127.0.0.1:${DEFAULT_SERVE_PORT}`;
  const drill = `${name.slice(0, 74)}-drill`;
  return [
    `${recs('serve')}   # leave it running; then, in a second terminal:\n` +
      `curl -H "authorization: Bearer $(${recs(`token --viewer ${viewer}`)})" ${url}/viewers/${viewer}/offers`,
    `${recs(`report${summary.runId ? ` --run ${summary.runId}` : ''} --open`)}   # this run's top-shows report`,
    `${recs(`run --execution-name ${drill} --fail-at WriteTopTen`)}; ${recs(`redrive ${drill}`)}   # rehearse a failure and its redrive`,
  ];
}

/** The human summary `recs run` prints: per-state times, metrics, a sample viewer's offers and what to run next. */
export function renderSummary(summary: ExecutionSummary, options: { dataDir?: string } = {}): string {
  const lines: string[] = [];
  const width = Math.max(5, ...summary.states.map((s) => s.name.length));
  lines.push('', `${'state'.padEnd(width)}  status      seconds`);
  for (const state of summary.states) {
    lines.push(`${state.name.padEnd(width)}  ${state.status.padEnd(10)}  ${state.seconds.toFixed(2).padStart(7)}`);
  }
  lines.push(
    `${'total'.padEnd(width)}  ${summary.status.padEnd(10)}  ${summary.durationSeconds.toFixed(2).padStart(7)}`,
    '',
  );
  lines.push(
    `execution ${summary.executionName}: ${summary.status}${summary.failedState ? ` at ${summary.failedState}` : ''}${summary.error ? ` (${summary.error})` : ''}`,
  );
  lines.push(`warehouse: ${summary.viewers} viewers, ${summary.shows} shows, ${summary.events} events`);
  const metric = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(4));
  lines.push(
    `model: ndcg@10 ${metric(summary.metrics['ndcg@10'])}, recall@10 ${metric(summary.metrics['recall@10'])}, popularity ndcg@10 ${metric(summary.metrics['popularity.ndcg@10'])}`,
  );
  lines.push(`recommendations written: ${summary.recommendationsWritten}`);
  const viewer = summary.sampleViewer;
  if (viewer) {
    lines.push('', `offers for ${viewer.viewerId} (accounts: ${viewer.partners.join(', ')}):`);
    for (const rec of viewer.recommendations) {
      lines.push(
        `  ${String(rec.rank).padStart(2)}. ${rec.title} (${rec.genre}, ${rec.brand}) — watch on ${rec.partner}`,
      );
    }
  }
  const numbered = nextCommands(summary, options.dataDir).map(
    (command, i) => `  ${i + 1}. ${command.replaceAll('\n', '\n     ')}`,
  );
  lines.push('', 'next:', ...numbered);
  return `${lines.join('\n')}\n`;
}
