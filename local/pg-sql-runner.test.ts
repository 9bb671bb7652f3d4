import { describe, expect, it } from 'vitest';
import { REPORT_TOP_SHOWS_SQL } from '../functions/report-top-shows/report-sql.generated.js';
import { bindNamedParams } from './pg-sql-runner.js';

describe('bindNamedParams', () => {
  it('numbers each named parameter once and ignores quotes, casts and comments', () => {
    const { text, values } = bindNamedParams("-- uses :x\nSELECT ':x', a::int, :x, :y, :x /* :y */", {
      x: '1',
      y: '2',
    });

    expect(text).toBe("\nSELECT ':x', a::int, $1, $2, $1 ");
    expect(values).toEqual(['1', '2']);
  });

  it('binds the report SQL to exactly its five parameters', () => {
    const { values } = bindNamedParams(REPORT_TOP_SHOWS_SQL, {
      run_id: 'r',
      since: 's',
      as_of: 'a',
      top_n: '10',
      week_start_day: '0',
    });

    expect(values.sort()).toEqual(['0', '10', 'a', 'r', 's']);
  });
});
