import { existsSync } from 'node:fs';
import { defineCommand } from 'citty';
import { DATA_DIR_ARG, dataDirOf } from './local-args.js';
import { checkFlags } from './run.js';

const ARGS = {
  'data-dir': DATA_DIR_ARG,
  json: { type: 'boolean', description: 'print a JSON array', default: false },
} as const;

/** `recs executions`: the local executions with status, failed state and redrive count (ListExecutions). */
export default defineCommand({
  meta: { name: 'executions', description: 'List local executions: status, failed state, redrive count, run id.' },
  args: ARGS,
  async run({ args, rawArgs }) {
    checkFlags(rawArgs, Object.keys(ARGS));
    const dataDir = dataDirOf(args['data-dir']);
    const { listExecutions } = await import('../../local/execution-store.js');
    const { dataPaths, noLocalRunYet } = await import('../../local/data-dir.js');
    if (!existsSync(dataPaths(dataDir).executions))
      process.stderr.write(`recs executions: ${noLocalRunYet(dataDir)}\n`);
    const rows = listExecutions(dataDir).map((record) => ({
      executionName: record.executionName,
      status: record.status,
      ...(record.failedState ? { failedState: record.failedState } : {}),
      ...(record.error ? { error: record.error.Error } : {}),
      redriveCount: record.redriveCount,
      ...(record.runId ? { runId: record.runId } : {}),
      startTime: record.startTime,
      ...(record.stopTime ? { stopTime: record.stopTime } : {}),
    }));
    if (args.json) {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
      return;
    }
    const header = ['execution', 'status', 'failed state', 'redrives', 'started'];
    const table = rows.map((row) => [
      row.executionName,
      row.status,
      row.failedState ?? '-',
      String(row.redriveCount),
      row.startTime,
    ]);
    const widths = header.map((title, i) => Math.max(title.length, ...table.map((cells) => (cells[i] ?? '').length)));
    for (const cells of [header, ...table]) {
      process.stdout.write(`${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}\n`);
    }
  },
});
