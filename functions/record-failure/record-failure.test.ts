import { describe, expect, it } from 'vitest';
import { failureRunId, RecordFailureEvent } from './record-failure.js';

describe('failureRunId', () => {
  it('keys the record by the run id when PrepareRun produced one', () => {
    const event = RecordFailureEvent.parse({ executionName: 'x', state: { run: { runId: '20240501T020000Z-x' } } });

    expect(failureRunId(event)).toBe('20240501T020000Z-x');
  });

  it('falls back to the execution name when $.run is missing or malformed', () => {
    const missing = RecordFailureEvent.parse({ executionName: 'daily run#1', state: { error: { Error: 'E' } } });
    const malformed = RecordFailureEvent.parse({ executionName: 'd', state: { run: { runId: "x'; --" } } });

    expect(failureRunId(missing)).toBe('unprepared-daily-run-1');
    expect(failureRunId(malformed)).toBe('unprepared-d');
    expect(RecordFailureEvent.parse({ executionName: 'd' }).state).toEqual({});
  });
});
