import type { ExecutionSummary } from './run-summary.js';

/** The human summary `recs run` prints: per-state times, metrics and a sample viewer's offers. */
export function renderSummary(summary: ExecutionSummary): string {
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
    lines.push('', `try: recs serve, then GET /viewers/${viewer.viewerId}/offers`);
  }
  return `${lines.join('\n')}\n`;
}
