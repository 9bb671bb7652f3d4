import { describe, expect, it } from 'vitest';
import { memoryS3 } from '../../test/support/memory-s3.js';
import { readBadRows } from './data-quality.js';
import { RecsError } from './errors.js';

const BUCKET = 'show-recs-data';
const PREFIX = 'runs/20240501T020000Z-daily/data-quality/';

describe('readBadRows', () => {
  it('sums each kind over every part under the prefix, skipping blank lines', async () => {
    // Prepare: two parts (the same kind in both), blank and whitespace-only lines, and objects that are not the
    // run's: another run's prefix in the same bucket and the same key in another bucket.
    const { s3 } = memoryS3({
      [BUCKET]: {
        [`${PREFIX}0000_part_00.json`]: '{"kind":"nullIds","row_count":"3"}\n\n{"kind":"badDates","row_count":2}\n',
        [`${PREFIX}0001_part_00.json`]: '  \n{"kind":"nullIds","row_count":4}',
        'runs/20240502T020000Z-daily/data-quality/0000_part_00.json': '{"kind":"nullIds","row_count":100}\n',
      },
      'other-bucket': { [`${PREFIX}0000_part_00.json`]: '{"kind":"other","row_count":1}\n' },
    });

    // Act
    const badRows = await readBadRows(s3, BUCKET, PREFIX);

    // Assess
    expect(badRows).toEqual({ nullIds: 7, badDates: 2 });
  });

  it('answers undefined when the UNLOAD wrote nothing under the prefix (the run failed before it)', async () => {
    const { s3, calls } = memoryS3({ [BUCKET]: { 'runs/20240502T020000Z-daily/data-quality/0000_part_00.json': '' } });

    expect(await readBadRows(s3, BUCKET, PREFIX)).toBeUndefined();
    expect(calls.map((call) => call.command)).toEqual(['ListObjectsV2']);
  });

  it('answers no kinds for a written but empty part', async () => {
    const { s3 } = memoryS3({ [BUCKET]: { [`${PREFIX}0000_part_00.json`]: '' } });

    expect(await readBadRows(s3, BUCKET, PREFIX)).toEqual({});
  });

  it('fails naming the bucket and prefix, with the parse error as cause, when a row is not a count', async () => {
    const { s3 } = memoryS3({ [BUCKET]: { [`${PREFIX}0000_part_00.json`]: '{"kind":"nullIds","row_count":-1}\n' } });

    const error = await readBadRows(s3, BUCKET, PREFIX).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RecsError);
    expect((error as Error).message).toMatch(
      /^cannot read the data-quality counts under s3:\/\/show-recs-data\/runs\/20240501T020000Z-daily\/data-quality\/: /,
    );
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
