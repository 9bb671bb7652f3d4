import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareRunIds,
  isStagePrefix,
  isTransformOutputKey,
  makeRunId,
  parseRunId,
  REPORT_INDEX_PREFIX,
  RUN_PREFIX_PATTERN,
  reportIndexKey,
  reportKeys,
  runIdOfReportIndexKey,
  runPrefixes,
  runRoot,
} from './run-layout.js';

const instant = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2099-12-31T23:59:59Z'),
  noInvalidDate: true,
});

describe('run layout', () => {
  it('parses back the start time (to the second) and name a run id was made from', () => {
    fc.assert(
      fc.property(instant, fc.stringMatching(/^[A-Za-z0-9_-]{1,80}$/), (start, name) => {
        const parsed = parseRunId(makeRunId(name, start));
        expect(parsed?.startTime.getTime()).toBe(Math.floor(start.getTime() / 1000) * 1000);
        expect(parsed?.name).toBe(name.replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '') || 'run');
      }),
    );
  });

  it('orders run ids by start time, whatever their names', () => {
    fc.assert(
      fc.property(instant, instant, fc.string(), fc.string(), (a, b, nameA, nameB) => {
        fc.pre(Math.floor(a.getTime() / 1000) !== Math.floor(b.getTime() / 1000));
        const order = Math.sign(compareRunIds(makeRunId(nameA, a), makeRunId(nameB, b)));
        expect(order).toBe(Math.sign(a.getTime() - b.getTime()));
      }),
    );
  });

  it('orders a run id equal to itself (a rerun of the live run is not newer), and says so with 0', () => {
    const id = '20240501T020000Z-daily';

    expect(compareRunIds(id, id)).toBe(0);
    expect(compareRunIds('20240501T020000Z-a', '20240501T020001Z-a')).toBe(-1);
    expect(compareRunIds('20240501T020001Z-a', '20240501T020000Z-a')).toBe(1);
  });

  it('refuses to make a run id from a start time past year 9999, naming the execution', () => {
    expect(() => makeRunId('far-future', new Date(Date.UTC(10_000, 0, 1)))).toThrow(
      'cannot derive a run id from "far-future"',
    );
  });

  it('refuses what is not a run id', () => {
    for (const text of ['', 'local', '20240501T020000Z-', '20240501T020000Z-a/b', '20241301T020000Z-x']) {
      expect(parseRunId(text)).toBeUndefined();
    }
  });

  it('puts every stage of a run under runs/<runId>/, each prefix its own', () => {
    const runId = '20240501T020000Z-daily';
    const prefixes = Object.values(runPrefixes(runId));
    expect(new Set(prefixes).size).toBe(prefixes.length);
    for (const prefix of prefixes) {
      expect(prefix.startsWith(`runs/${runId}/`)).toBe(true);
      expect(prefix).toMatch(RUN_PREFIX_PATTERN);
    }
    expect(runPrefixes(runId).transformInput).toBe(`runs/${runId}/transform-input/`);
  });

  it('tells a stage prefix of some run from any other string', () => {
    const prefixes = runPrefixes('20240501T020000Z-daily');
    expect(isStagePrefix(prefixes.dataQuality, 'dataQuality')).toBe(true);
    expect(isStagePrefix(prefixes.dataQuality, 'report')).toBe(false);
    expect(isStagePrefix('runs/x/data-quality/', 'dataQuality')).toBe(false);
    expect(isStagePrefix('runs/20240501T020000Z-a/../b/data-quality/', 'dataQuality')).toBe(false);
  });

  it('reads the run id of a report index key and nothing else', () => {
    expect(runIdOfReportIndexKey(reportIndexKey('20240501T020000Z-daily'))).toBe('20240501T020000Z-daily');
    expect(runIdOfReportIndexKey(`${REPORT_INDEX_PREFIX}tmp`)).toBeUndefined();
    expect(runIdOfReportIndexKey(reportKeys('20240501T020000Z-daily').json)).toBeUndefined();
  });

  it('keeps the report index apart from every run folder and lists it in run order', () => {
    fc.assert(
      fc.property(instant, instant, fc.string(), fc.string(), (a, b, nameA, nameB) => {
        const [older, newer] = [makeRunId(nameA, a), makeRunId(nameB, b)].sort(compareRunIds) as [string, string];
        // S3 lists keys in UTF-8 byte order; for these ASCII keys that is JavaScript's string order.
        expect([reportIndexKey(newer), reportIndexKey(older)].sort()).toEqual([
          reportIndexKey(older),
          reportIndexKey(newer),
        ]);
        expect(reportIndexKey(older).startsWith(runRoot(older))).toBe(false);
        expect(runRoot(older).startsWith(REPORT_INDEX_PREFIX)).toBe(false);
      }),
    );
  });

  it("has one rule for transform outputs: <name>.out under the run's recommendations/", () => {
    const prefix = runPrefixes('20240501T020000Z-daily').recommendations;
    expect(isTransformOutputKey('20240501T020000Z-daily', `${prefix}part-0000.json.out`)).toBe(true);
    expect(isTransformOutputKey('20240501T020000Z-daily', `${prefix}_SUCCESS`)).toBe(false);
    expect(isTransformOutputKey('20240501T020000Z-daily', `${prefix}.out`)).toBe(false);
    expect(isTransformOutputKey('20240502T020000Z-daily', `${prefix}part-0000.json.out`)).toBe(false);
  });
});
