import '../local/polyfills.js';
import { fileURLToPath } from 'node:url';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { type Json, loadPipeline } from '../local/asl-loader.js';

// The UNLOAD poll loop's ends, run through the local interpreter on the real definition: each status the Data API
// can report for the batch reaches a Fail state with a cause an operator can act on, never States.Runtime.
const root = fileURLToPath(new URL('..', import.meta.url));
const { definition } = loadPipeline({ root });

const run = {
  runId: '20240501T020304Z-test',
  bucket: 'show-recs-local',
  asOf: '2024-05-01T02:03:04Z',
  jobBaseName: 'test',
  prefixes: {},
  unloadSqls: ['UNLOAD (...)'],
};

/** Runs the machine until the UNLOAD poll answers `status`; returns the failing Fail state's error and cause. */
async function endOfUnload(status: Json): Promise<{ name: string; message: string }> {
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run({} as never, {
    overrides: {
      taskResourceLocalHandlers: {
        PrepareRun: async () => ({ Payload: run }),
        UnloadViewership: async () => ({ Id: 'statement-1' }),
        CheckUnload: async () => status,
      },
      waitTimeOverrides: { WaitForUnload: 0 },
    } as never,
    context: { Execution: { Name: 'test', StartTime: run.asOf, RedriveCount: 0 } } as never,
  });
  try {
    await execution.result;
  } catch (error) {
    const cause = (error as Error).cause as Error;
    return { name: cause.name, message: cause.message };
  }
  throw new Error('the execution succeeded');
}

describe('UNLOAD poll outcomes', () => {
  it('fails FAILED with the Redshift error as the cause', async () => {
    const ended = await endOfUnload({
      Id: 'statement-1',
      Status: 'FAILED',
      Error: 'ERROR: relation "shows" does not exist',
    });
    expect(ended).toEqual({ name: 'UnloadFailed', message: 'ERROR: relation "shows" does not exist' });
  });

  it('fails ABORTED, which has no Error field, with its own error and a cause that says what to do', async () => {
    const ended = await endOfUnload({ Id: 'statement-1', Status: 'ABORTED' });
    expect(ended.name).toBe('UnloadAborted');
    expect(ended.message).toMatch(/cancelled .*ABORTED.*start a new execution/s);
  });
});
