import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { memoryS3 } from '../../test/support/memory-s3.js';
import { recordingDynamo } from '../../test/support/recording-dynamo.js';
import { runRecordKey } from '../_shared/dynamo-table.js';
import { RecsError } from '../_shared/errors.js';
import { failureRunId, RecordFailureEvent, recordFailure } from './record-failure.js';

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

  it('collapses a run of unsafe characters into one dash and keeps at most 80 of the name', () => {
    expect(failureRunId(RecordFailureEvent.parse({ executionName: 'a  :b' }))).toBe('unprepared-a-b');
    expect(failureRunId(RecordFailureEvent.parse({ executionName: 'x'.repeat(100) }))).toBe(
      `unprepared-${'x'.repeat(80)}`,
    );
  });
});

const RUN_ID = '20240501T020000Z-daily';
const DQ_PREFIX = `runs/${RUN_ID}/data-quality/`;
const NOW = Date.parse('2024-05-01T03:00:00Z');
const conditionFailed = () => {
  throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
};

describe('recordFailure', () => {
  it('marks the run FAILED, keyed by run id, unless it is PUBLISHED, and reports it recorded', async () => {
    // Prepare
    const { dynamo, inputs } = recordingDynamo();
    const error = { Error: 'States.TaskFailed', Cause: 'boom' };

    // Act
    const result = await recordFailure(
      { executionName: 'daily', state: { run: { runId: RUN_ID }, error } },
      { dynamo, tableName: 't', now: () => NOW },
    );

    // Assess
    expect(result).toEqual({ recorded: true });
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toMatchObject({
      TableName: 't',
      Key: runRecordKey(RUN_ID),
      ConditionExpression: 'attribute_not_exists(#status) OR #status <> :published',
      ExpressionAttributeValues: {
        ':failed': 'FAILED',
        ':false': false,
        ':published': 'PUBLISHED',
        ':error': error,
        ':at': '2024-05-01T03:00:00.000Z',
        ':execution': 'daily',
      },
    });
    expect(inputs[0]?.UpdateExpression).not.toContain('badRows');
  });

  it('records an error without Error or Cause as Unknown with an empty cause', async () => {
    const { dynamo, inputs } = recordingDynamo();

    await recordFailure({ executionName: 'daily', state: {} }, { dynamo, tableName: 't', now: () => NOW });

    expect(inputs[0]).toMatchObject({
      Key: runRecordKey('unprepared-daily'),
      ExpressionAttributeValues: { ':error': { Error: 'Unknown', Cause: '' } },
    });
  });

  it.each([
    ['the SDK class', conditionFailed],
    [
      'another copy of the SDK (matched by name)',
      () => {
        throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
      },
    ],
  ])('keeps a PUBLISHED run published and sets lastError when the condition fails (%s)', async (_, fail) => {
    // Prepare: the first update's condition fails (the run is PUBLISHED), the second succeeds.
    const { dynamo, inputs } = recordingDynamo((_input, call) => (call === 1 ? fail() : {}));
    const error = { Error: 'ReportError', Cause: 'x' };

    // Act
    const result = await recordFailure(
      { executionName: 'daily', state: { run: { runId: RUN_ID }, error } },
      { dynamo, tableName: 't', now: () => NOW },
    );

    // Assess
    expect(result).toEqual({ recorded: true });
    expect(inputs[1]).toEqual({
      TableName: 't',
      Key: runRecordKey(RUN_ID),
      UpdateExpression: 'SET lastError = :error, lastErrorAt = :at, executionName = :execution',
      ExpressionAttributeValues: { ':error': error, ':at': '2024-05-01T03:00:00.000Z', ':execution': 'daily' },
    });
  });

  it('fails naming the run on any other DynamoDB error, and writes nothing else', async () => {
    const { dynamo, inputs } = recordingDynamo(() => {
      throw Object.assign(new Error('throughput exceeded'), { name: 'ProvisionedThroughputExceededException' });
    });

    const caught = await recordFailure(
      { executionName: 'daily', state: { run: { runId: RUN_ID } } },
      { dynamo, tableName: 't', now: () => NOW },
    ).catch((e: unknown) => e);

    expect(caught).toBeInstanceOf(RecsError);
    expect((caught as Error).message).toBe(`cannot record the failure of ${RUN_ID}: throughput exceeded`);
    expect((caught as Error).cause).toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(inputs).toHaveLength(1);
  });

  it("copies the run's data-quality counts into the record when the UNLOAD wrote them", async () => {
    const { dynamo, inputs } = recordingDynamo();
    const { s3 } = memoryS3({ bucket: { [`${DQ_PREFIX}0000_part_00.json`]: '{"kind":"nullIds","row_count":3}\n' } });

    await recordFailure(
      {
        executionName: 'daily',
        state: { run: { runId: RUN_ID, bucket: 'bucket', prefixes: { dataQuality: DQ_PREFIX } } },
      },
      { dynamo, s3, tableName: 't', now: () => NOW },
    );

    expect(inputs[0]?.UpdateExpression).toMatch(/, badRows = :badRows$/);
    expect(inputs[0]?.ExpressionAttributeValues).toMatchObject({ ':badRows': { nullIds: 3 } });
  });

  it.each([
    ['no S3 client', undefined, { runId: RUN_ID, bucket: 'bucket', prefixes: { dataQuality: DQ_PREFIX } }],
    ['no bucket', 's3', { runId: RUN_ID, prefixes: { dataQuality: DQ_PREFIX } }],
    ['no run', 's3', undefined],
    [
      'a prefix that is not a data-quality prefix',
      's3',
      { runId: RUN_ID, bucket: 'bucket', prefixes: { dataQuality: 'runs/' } },
    ],
  ] as const)('reads no counts with %s', async (_, withS3, run) => {
    const { dynamo, inputs } = recordingDynamo();
    const { s3, calls } = memoryS3({
      bucket: {
        [`${DQ_PREFIX}0000_part_00.json`]: '{"kind":"a","row_count":1}\n',
        'runs/x': '{"kind":"a","row_count":1}\n',
      },
    });
    const unreadable: unknown[] = [];

    await recordFailure(
      { executionName: 'daily', state: run ? { run } : {} },
      {
        dynamo,
        s3: withS3 ? s3 : undefined,
        tableName: 't',
        now: () => NOW,
        onBadRowsUnreadable: (e) => unreadable.push(e),
      },
    );

    expect(calls).toEqual([]);
    expect(unreadable).toEqual([]);
    expect(inputs[0]?.ExpressionAttributeValues).not.toHaveProperty(':badRows');
  });

  it('records the failure without counts when they cannot be read, told or not', async () => {
    const { dynamo, inputs } = recordingDynamo();
    const { s3 } = memoryS3({ bucket: { [`${DQ_PREFIX}0000_part_00.json`]: '{not json' } });
    const run = { runId: RUN_ID, bucket: 'bucket', prefixes: { dataQuality: DQ_PREFIX } };

    const result = await recordFailure(
      { executionName: 'daily', state: { run } },
      { dynamo, s3, tableName: 't', now: () => NOW },
    );

    expect(result).toEqual({ recorded: true });
    expect(inputs[0]?.ExpressionAttributeValues).not.toHaveProperty(':badRows');
  });
});
