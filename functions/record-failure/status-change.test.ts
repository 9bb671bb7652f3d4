import { describe, expect, it } from 'vitest';
import { ExecutionStatusChange, failureFromStatusChange } from './status-change.js';

const change = (detail: Record<string, unknown>) =>
  ExecutionStatusChange.parse({
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    detail: {
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:show-recs-prod-pipeline:daily-2026-11-27',
      name: 'daily-2026-11-27',
      status: 'FAILED',
      startDate: Date.parse('2026-11-27T05:00:03Z'),
      error: 'ThrottledError',
      cause: 'BatchWriteItem kept throttling',
      ...detail,
    },
  });

describe('failureFromStatusChange', () => {
  it('keys the failure by the run id PrepareRun derives from the execution name and start time', () => {
    const failure = failureFromStatusChange(change({}), 'recs-bucket');

    expect(failure).toEqual({
      executionName: 'daily-2026-11-27',
      state: {
        run: {
          runId: '20261127T050003Z-daily-2026-11-27',
          bucket: 'recs-bucket',
          prefixes: { dataQuality: 'runs/20261127T050003Z-daily-2026-11-27/data-quality/' },
        },
        error: { Error: 'ThrottledError', Cause: 'BatchWriteItem kept throttling' },
      },
    });
  });

  it('names time-outs and aborts, which carry no error of their own', () => {
    expect(failureFromStatusChange(change({ status: 'TIMED_OUT', error: null, cause: null }), 'b').state.error).toEqual(
      {
        Error: 'States.Timeout',
        Cause: '',
      },
    );
    expect(failureFromStatusChange(change({ status: 'ABORTED', error: undefined }), 'b').state.error?.Error).toBe(
      'ExecutionAborted',
    );
  });

  it('rejects events of succeeded executions', () => {
    expect(() => change({ status: 'SUCCEEDED' })).toThrow();
  });
});
