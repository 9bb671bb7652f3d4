import { describe, expect, it } from 'vitest';
import type { Json } from './asl-loader.js';
import { FaultInjector, formatFault, parseFaultSpec } from './faults.js';

const lambdaTask = {
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Retry: [{ ErrorEquals: ['Lambda.ServiceException'] }],
};

/** Calls a wrapped handler `times` times; true where the attempt failed. */
async function failures(spec: string, times: number): Promise<boolean[]> {
  const injector = new FaultInjector(parseFaultSpec(spec));
  const handler = injector.wrap('TrainModel', lambdaTask as never, async (input: Json) => input);
  const out: boolean[] = [];
  for (let i = 0; i < times; i++) {
    out.push(
      await handler({}).then(
        () => false,
        () => true,
      ),
    );
  }
  return out;
}

describe('--fail-at', () => {
  it('parses every form and prints it back the same', () => {
    for (const text of [
      'TrainModel',
      'TrainModel:3',
      'TrainModel:2+',
      'WriteTopTen:batch=1',
      'WriteTopTen:batch=0:2',
    ]) {
      expect(formatFault(parseFaultSpec(text))).toBe(text);
    }
    expect(() => parseFaultSpec('TrainModel:0')).toThrow(/counts from 1/);
    expect(() => parseFaultSpec('TrainModel:+')).toThrow(/must be STATE/);
  });

  it('fails every attempt, only the Nth, or the Nth and every later one', async () => {
    expect(await failures('TrainModel', 3)).toEqual([true, true, true]);
    expect(await failures('TrainModel:2', 4)).toEqual([false, true, false, false]);
    expect(await failures('TrainModel:2+', 4)).toEqual([false, true, true, true]);
  });

  it('raises the first error the state retries on, shaped as Lambda reports it', async () => {
    const handler = new FaultInjector(parseFaultSpec('TrainModel')).wrap(
      'TrainModel',
      lambdaTask as never,
      async () => null,
    );
    const error = await handler({}).catch((e: Error) => e);
    expect((error as Error).name).toBe('Lambda.ServiceException');
    expect(JSON.parse((error as Error).message)).toMatchObject({ errorType: 'Lambda.ServiceException' });
  });
});
