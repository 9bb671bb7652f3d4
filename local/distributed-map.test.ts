import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { AslState, Json } from './asl-loader.js';
import { batchItems, childExecutionArn, mapRunId, runDistributedMap } from './distributed-map.js';

const noS3 = {} as S3Client;
const context = { Execution: { Id: 'arn:aws:states:us-east-1:000000000000:execution:m:e1', Name: 'e1' } };
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Size: 10 }));

function mapState(extra: Record<string, Json> = {}): AslState {
  return {
    Type: 'Map',
    ItemsPath: '$.items',
    ItemProcessor: {
      ProcessorConfig: { Mode: 'DISTRIBUTED' },
      StartAt: 'X',
      States: { X: { Type: 'Pass', End: true } },
    },
    ...extra,
  };
}

describe('Distributed Map batching', () => {
  it('groups items by MaxItemsPerBatch and attaches BatchInput to every batch', () => {
    const batches = batchItems(items(5), 2, 256 * 1024, { runId: 'r1' });
    expect(batches).toEqual([
      { Items: [items(5)[0], items(5)[1]], BatchInput: { runId: 'r1' } },
      { Items: [items(5)[2], items(5)[3]], BatchInput: { runId: 'r1' } },
      { Items: [items(5)[4]], BatchInput: { runId: 'r1' } },
    ]);
  });

  it('starts a new batch before MaxInputBytesPerBatch would be exceeded', () => {
    const batches = batchItems(items(4), 100, 70) as { Items: Json[] }[];
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flatMap((b) => b.Items)).toEqual(items(4));
  });

  it('evaluates BatchInput against the state input and hands each child {Items, BatchInput}', async () => {
    const seen: Json[] = [];
    const state = mapState({ ItemBatcher: { MaxItemsPerBatch: 3, BatchInput: { 'runId.$': '$.runId' } } });

    const output = await runDistributedMap({ items: items(7), runId: 'r9' } as Json, {
      stateName: 'Fan',
      state,
      s3: noS3,
      context,
      runChild: async (input) => {
        seen.push(input);
        return { ok: true };
      },
    });

    expect(seen).toHaveLength(3);
    expect(seen[0]).toEqual({ Items: items(7).slice(0, 3), BatchInput: { runId: 'r9' } });
    expect(output).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
  });
});

describe('Distributed Map concurrency', () => {
  it('never runs more children at once than MaxConcurrency', async () => {
    let active = 0;
    let peak = 0;
    await runDistributedMap({ items: items(20) } as Json, {
      stateName: 'Fan',
      state: mapState({ MaxConcurrency: 3 }),
      s3: noS3,
      context,
      runChild: async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        return null;
      },
    });
    expect(peak).toBe(3);
  });
});

describe('Distributed Map tolerated failures', () => {
  const failing = (bad: Set<number>) => async (input: Json) => {
    const key = (input as { Key: string }).Key;
    if (bad.has(Number(key.slice(1)))) throw Object.assign(new Error('boom'), { name: 'WriteRecsError' });
    return key;
  };

  it('fails with States.ExceedToleratedFailureThreshold on any failure when nothing is tolerated', async () => {
    const run = runDistributedMap({ items: items(10) } as Json, {
      stateName: 'Fan',
      state: mapState(),
      s3: noS3,
      context,
      runChild: failing(new Set([4])),
    });
    await expect(run).rejects.toMatchObject({ name: 'States.ExceedToleratedFailureThreshold' });
  });

  it('succeeds while failures stay within ToleratedFailurePercentage', async () => {
    const output = await runDistributedMap({ items: items(10) } as Json, {
      stateName: 'Fan',
      state: mapState({ ToleratedFailurePercentage: 20 }),
      s3: noS3,
      context,
      runChild: failing(new Set([1, 7])),
    });
    expect((output as Json[]).filter((o) => o !== null)).toHaveLength(8);
  });

  it('fails once failures exceed ToleratedFailurePercentage', async () => {
    const run = runDistributedMap({ items: items(10) } as Json, {
      stateName: 'Fan',
      state: mapState({ ToleratedFailurePercentage: 20, MaxConcurrency: 1 }),
      s3: noS3,
      context,
      runChild: failing(new Set([1, 2, 3])),
    });
    await expect(run).rejects.toMatchObject({ name: 'States.ExceedToleratedFailureThreshold' });
  });

  it('reruns only failed children when a recorded map run is redriven', async () => {
    const saved = new Map<string, unknown>();
    const store = {
      load: (id: string) => saved.get(id) as never,
      save: (id: string, records: unknown) => void saved.set(id, records),
    };
    const options = { stateName: 'Fan', state: mapState(), s3: noS3, context, store };
    await expect(
      runDistributedMap({ items: items(4) } as Json, { ...options, runChild: failing(new Set([2])) }),
    ).rejects.toThrow();
    const rerun: Json[] = [];

    await runDistributedMap({ items: items(4) } as Json, {
      ...options,
      reuseSucceeded: true,
      runChild: async (input) => {
        rerun.push(input);
        return 'again';
      },
    });

    expect(rerun).toEqual([items(4)[2]]);
    expect(saved.has(mapRunId(context.Execution.Id, 'Fan'))).toBe(true);
  });

  it('tracks each child it starts, redrives the failed ones and stops those still running when the run fails', async () => {
    const saved = new Map<string, unknown>();
    const store = {
      load: (id: string) => saved.get(id) as never,
      save: (id: string, records: unknown) => void saved.set(id, records),
    };
    const calls: string[] = [];
    const controlChild = async (action: string, arn: string) => void calls.push(`${action} ${arn}`);
    const runId = mapRunId(context.Execution.Id, 'Fan');
    const child = (index: number) => childExecutionArn('pipe', 'Fan', runId, index);
    const options = {
      stateName: 'Fan',
      state: mapState({ MaxConcurrency: 2 }),
      s3: noS3,
      context: { ...context, StateMachine: { Name: 'pipe' } },
      store,
      controlChild,
    };
    // Child 1 fails while child 0 is still running: the run stops child 0.
    let releaseFirst: () => void = () => undefined;
    const firstRunning = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    await expect(
      runDistributedMap({ items: items(3) } as Json, {
        ...options,
        runChild: async (input) => {
          const key = (input as { Key: string }).Key;
          if (key === 'k0') await firstRunning;
          if (key === 'k1') {
            setImmediate(releaseFirst);
            throw Object.assign(new Error('boom'), { name: 'WriteRecsError' });
          }
          return key;
        },
      }),
    ).rejects.toThrow(/tolerated failure threshold/);
    expect(calls).toEqual([`describe ${child(0)}`, `describe ${child(1)}`, `stop ${child(0)}`]);

    calls.length = 0;
    await runDistributedMap({ items: items(3) } as Json, {
      ...options,
      reuseSucceeded: true,
      runChild: async () => 'ok',
    });
    expect(calls).toEqual([`redrive ${child(1)}`, `describe ${child(2)}`]);
  });

  it('fails the Map when Step Functions may not control a child, before the child runs', async () => {
    const ran: Json[] = [];
    const run = runDistributedMap({ items: items(2) } as Json, {
      stateName: 'Fan',
      state: mapState(),
      s3: noS3,
      context,
      controlChild: async () => {
        throw Object.assign(new Error('IAM: role PipelineRole lacks states:DescribeExecution'), {
          name: 'States.Runtime',
        });
      },
      runChild: async (input) => {
        ran.push(input);
        return 'ok';
      },
    });
    await expect(run).rejects.toThrow(/states:DescribeExecution/);
    expect(ran).toEqual([]);
  });
});

describe('child execution ARNs', () => {
  it("are each child's $$.Execution.Id, the ARN IAM checks and the ResultWriter lists", async () => {
    const seen: string[] = [];
    const controlled: string[] = [];
    await runDistributedMap({ items: items(2) } as Json, {
      stateName: 'Fan',
      state: mapState(),
      s3: noS3,
      context: { ...context, StateMachine: { Name: 'pipe' } },
      controlChild: async (_action, arn) => void controlled.push(arn),
      runChild: async (_input, childContext) => {
        seen.push(String((childContext as { Execution: { Id: string } }).Execution.Id));
        return 'ok';
      },
    });
    const runId = mapRunId(context.Execution.Id, 'Fan');
    expect(seen.sort()).toEqual([
      childExecutionArn('pipe', 'Fan', runId, 0),
      childExecutionArn('pipe', 'Fan', runId, 1),
    ]);
    expect(controlled.sort()).toEqual(seen);
  });

  it('name the state machine, the Map state, the map run and the child index, as the ResultWriter does', () => {
    expect(childExecutionArn('show-recs-local-pipeline', 'WriteTopTen', 'abc', 3)).toBe(
      'arn:aws:states:us-east-1:000000000000:execution:show-recs-local-pipeline/WriteTopTen:abc-3',
    );
  });
});
