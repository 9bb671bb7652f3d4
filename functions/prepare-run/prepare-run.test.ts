import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../_shared/errors.js';
import { makeRunId, sanitizeExecutionName } from '../_shared/run-layout.js';
import {
  MAX_JOB_BASE_NAME_CHARS,
  makeJobBaseName,
  type PrepareRunDeps,
  PrepareRunEvent,
  prepareRun,
  resolveAsOf,
} from './prepare-run.js';
import { UNLOAD_SELECTS } from './unload-sql.generated.js';

const deps: PrepareRunDeps = {
  bucket: 'show-recs-data-dev',
  redshiftIamRoleArn: 'arn:aws:iam::123456789012:role/show-recs-redshift-unload',
  unloadKmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  selects: UNLOAD_SELECTS,
};

const event = (overrides: Partial<{ executionName: string; executionStartTime: string; input: unknown }> = {}) => ({
  executionName: 'daily-2024-05-01',
  executionStartTime: '2024-05-01T02:00:07.123Z',
  input: {},
  ...overrides,
});

describe('prepareRun', () => {
  it('derives a run id that sorts by start time and names the execution', () => {
    // Act
    const run = prepareRun(event(), deps);

    // Assess
    expect(run.runId).toBe('20240501T020007Z-daily-2024-05-01');
    expect(makeRunId('b', new Date('2024-05-02T00:00:00Z')) > makeRunId('z', new Date('2024-05-01T23:59:59Z'))).toBe(
      true,
    );
  });

  it('sanitizes execution names to safe characters', () => {
    expect(sanitizeExecutionName('Manual run: öäü (redo)!')).toBe('Manual-run-redo');
    expect(sanitizeExecutionName('///')).toBe('run');
    expect(sanitizeExecutionName('x'.repeat(200))).toHaveLength(80);
  });

  it('keeps job base names short enough for every SageMaker name the ASL builds', () => {
    // Prepare
    const longRunId = makeRunId(`Scheduled_${'A'.repeat(70)}`, new Date('2024-05-01T02:00:00Z'));
    const otherLongRunId = makeRunId(`Scheduled_${'A'.repeat(69)}B`, new Date('2024-05-01T02:00:00Z'));

    // Act
    const base = makeJobBaseName(longRunId);

    // Assess
    expect(base.length).toBeLessThanOrEqual(MAX_JOB_BASE_NAME_CHARS);
    expect(base).toMatch(/^[a-z0-9](-?[a-z0-9])*$/);
    expect(`${base}-train-r9999999`.length).toBeLessThanOrEqual(63);
    expect(makeJobBaseName(otherLongRunId)).not.toBe(base);
    expect(makeJobBaseName('20240501T020007Z-daily')).toBe('20240501t020007z-daily');
  });

  it('turns a run id into a SageMaker-safe base: lower case, one dash for any run of other characters, none at the ends', () => {
    expect(makeJobBaseName('20240501T020007Z-a_b__c--d-')).toBe('20240501t020007z-a-b-c-d');
    expect(makeJobBaseName('-_20240501T020007Z-x_')).toBe('20240501t020007z-x');
  });

  it('keeps a base of exactly the maximum length, and hashes one character longer', () => {
    // Prepare: 17 characters of timestamp and dash, then the name.
    const exact = `20240501T020007Z-${'a'.repeat(MAX_JOB_BASE_NAME_CHARS - 17)}`;
    const over = `${exact}b`;

    // Act
    const kept = makeJobBaseName(exact);
    const hashed = makeJobBaseName(over);

    // Assess
    expect(kept).toBe(exact.toLowerCase());
    expect(hashed).toMatch(new RegExp(`^${exact.toLowerCase().slice(0, MAX_JOB_BASE_NAME_CHARS - 9)}-[0-9a-f]{8}$`));
  });

  it('drops the dash the cut leaves at the end of a long base before appending the hash', () => {
    // The head keeps 39 characters; here the 39th is a dash.
    const runId = `20240501T020007Z-${'a'.repeat(21)}-${'b'.repeat(30)}`;

    const base = makeJobBaseName(runId);

    expect(base).toMatch(new RegExp(`^20240501t020007z-${'a'.repeat(21)}-[0-9a-f]{8}$`));
  });

  it('refuses an execution start time that is not a timestamp, naming the field', () => {
    const bad = PrepareRunEvent.safeParse(event({ executionStartTime: 'yesterday' }));

    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['executionStartTime', 'not an ISO timestamp'],
    ]);
    expect(PrepareRunEvent.parse(event())).toEqual(event());
  });

  it('takes input.asOf in each ISO form the pattern allows', () => {
    const start = new Date('2024-05-01T02:00:07.123Z');
    const asOf = (value: string) => resolveAsOf({ asOf: value }, start).toISOString();

    expect(asOf('2024-04-30T12:00Z')).toBe('2024-04-30T12:00:00.000Z');
    expect(asOf('2024-04-30T12:00:00.123Z')).toBe('2024-04-30T12:00:00.123Z');
    expect(asOf('2024-04-30T12:00:00+02:00')).toBe('2024-04-30T10:00:00.000Z');
    expect(asOf('2024-04-30T12:00:00-0230')).toBe('2024-04-30T14:30:00.000Z');
    // No zone: the runtime's local time (UTC in Lambda); what matters here is that the input is taken.
    expect(asOf('2024-04-30T12:00:00')).toBe(new Date('2024-04-30T12:00:00').toISOString());
  });

  it('falls back to the start time for an asOf with text around the date, or a date that does not exist', () => {
    // Each of these but the last is a date JavaScript would read; the pattern is what keeps them out.
    const start = new Date('2024-05-01T02:00:07.123Z');

    for (const value of ['Tue 2024-04-30', ' 2024-04-30', '2024-04-30 (yesterday)', '2024-13-01']) {
      expect(resolveAsOf({ asOf: value }, start)).toBe(start);
    }
  });

  it('uses input.asOf when it is a valid ISO time, else the start time', () => {
    expect(prepareRun(event({ input: { asOf: '2024-04-30T00:00:00Z' } }), deps).asOf).toBe('2024-04-30T00:00:00.000Z');
    expect(prepareRun(event({ input: { asOf: '2024-04-30' } }), deps).asOf).toBe('2024-04-30T00:00:00.000Z');
    expect(prepareRun(event({ input: { asOf: 'yesterday' } }), deps).asOf).toBe('2024-05-01T02:00:07.123Z');
    expect(prepareRun(event({ input: null }), deps).asOf).toBe('2024-05-01T02:00:07.123Z');
  });

  it('gives every prefix under runs/<runId>/ without s3:// and ending in /', () => {
    const run = prepareRun(event(), deps);

    expect(Object.keys(run.prefixes).sort()).toEqual(
      [
        'accounts',
        'catalog',
        'dataQuality',
        'exposures',
        'fanoutResults',
        'model',
        'popular',
        'recommendations',
        'report',
        'transformInput',
        'viewership',
      ].sort(),
    );
    for (const prefix of Object.values(run.prefixes)) {
      expect(prefix.startsWith(`runs/${run.runId}/`)).toBe(true);
      expect(prefix.endsWith('/')).toBe(true);
    }
    expect(run.prefixes.transformInput).toBe(`runs/${run.runId}/transform-input/`);
    expect(run.prefixes.fanoutResults).toBe(`runs/${run.runId}/fanout-results/`);
  });

  it('renders the six UNLOAD statements in channel order with the as-of literal', () => {
    const run = prepareRun(event({ input: { asOf: '2024-04-30T12:34:56Z' } }), deps);

    expect(run.unloadSqls).toHaveLength(6);
    const targets = run.unloadSqls.map((sql) => /TO 's3:\/\/([^']+)'/.exec(sql)?.[1]);
    expect(targets).toEqual([
      `show-recs-data-dev/${run.prefixes.viewership}`,
      `show-recs-data-dev/${run.prefixes.catalog}`,
      `show-recs-data-dev/${run.prefixes.accounts}`,
      `show-recs-data-dev/${run.prefixes.transformInput}`,
      `show-recs-data-dev/${run.prefixes.popular}`,
      `show-recs-data-dev/${run.prefixes.dataQuality}`,
    ]);
    expect(run.unloadSqls[0]).toContain("TIMESTAMP ''2024-04-30 12:34:56''");
    expect(run.unloadSqls.join('\n')).not.toContain('{{AS_OF}}');
  });

  it('rejects a bucket name that could break out of the SQL text', () => {
    expect(() => prepareRun(event(), { ...deps, bucket: "evil'bucket" })).toThrow(InvalidInputError);
  });
});
