import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecutionNotRedrivableError } from './errors.js';
import {
  type ExecutionRecord,
  executionArn,
  executionDirOf,
  listExecutions,
  redrivePoint,
  saveExecutionRecord,
} from './execution-store.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'recs-executions-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const record = (executionName: string, startTime: string): ExecutionRecord => ({
  executionName,
  executionArn: executionArn(executionName),
  status: 'SUCCEEDED',
  input: {},
  startTime,
  redriveCount: 0,
});

function save(executionName: string, write: (dir: string) => void) {
  const dir = executionDirOf(dataDir, executionName);
  mkdirSync(dir, { recursive: true });
  write(dir);
}

describe('the execution store', () => {
  it('lists every execution oldest first, and a corrupt record as UNREADABLE with the reason, never hidden', () => {
    save('b-newer', (dir) => saveExecutionRecord(dir, record('b-newer', '2024-05-02T00:00:00.000Z')));
    save('a-older', (dir) => saveExecutionRecord(dir, record('a-older', '2024-05-01T00:00:00.000Z')));
    save('c-corrupt', (dir) => writeFileSync(join(dir, 'execution.json'), '{"executionName": "c-cor'));

    const listed = listExecutions(dataDir);

    expect(listed.map((r) => [r.executionName, r.status])).toEqual([
      ['c-corrupt', 'UNREADABLE'],
      ['a-older', 'SUCCEEDED'],
      ['b-newer', 'SUCCEEDED'],
    ]);
    expect(listed[0]?.error?.Cause).toMatch(/c-corrupt[\\/]execution\.json: .*JSON/);
  });

  it('refuses to redrive an unreadable record, saying why', () => {
    save('c-corrupt', (dir) => writeFileSync(join(dir, 'execution.json'), 'not json'));
    expect(() => redrivePoint(dataDir, 'c-corrupt')).toThrow(ExecutionNotRedrivableError);
    expect(() => redrivePoint(dataDir, 'c-corrupt')).toThrow(/UNREADABLE \(.*execution\.json/);
  });
});
