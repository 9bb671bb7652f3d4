import { z } from 'zod';
import { makeRunId, runPrefixes } from '../_shared/run-layout.js';
import type { RecordFailureEvent } from './record-failure.js';

/**
 * EventBridge's "Step Functions Execution Status Change" event, as the failure rule in serverless.yml
 * delivers it (FAILED, TIMED_OUT or ABORTED executions of the pipeline). Loose where AWS may add fields.
 */
export const ExecutionStatusChange = z.looseObject({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.looseObject({
    executionArn: z.string().min(1),
    name: z.string().min(1),
    status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']),
    // Epoch milliseconds; a redriven execution keeps its original start, hence its run id.
    startDate: z.number().int().positive(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});
export type ExecutionStatusChange = z.infer<typeof ExecutionStatusChange>;

const ERROR_BY_STATUS = { FAILED: 'States.TaskFailed', TIMED_OUT: 'States.Timeout', ABORTED: 'ExecutionAborted' };

/**
 * The failure as the recorder sees it. The run id and prefixes are derived the way PrepareRun derives
 * them (from the execution's name and start time), so the record lands on the run's own key even when
 * the failure came before or during PrepareRun.
 */
export function failureFromStatusChange(event: ExecutionStatusChange, bucket: string): RecordFailureEvent {
  const { name, startDate, status, error, cause } = event.detail;
  let run: NonNullable<RecordFailureEvent['state']['run']> | undefined;
  try {
    const runId = makeRunId(name, new Date(startDate));
    run = { runId, bucket, prefixes: { dataQuality: runPrefixes(runId).dataQuality } };
  } catch {
    run = undefined; // recordFailure keys such a run by its execution name
  }
  return {
    executionName: name,
    state: {
      ...(run ? { run } : {}),
      error: { Error: error || ERROR_BY_STATUS[status], Cause: cause ?? '' },
    },
  };
}
