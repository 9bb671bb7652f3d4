import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_MODULE_PATH, renderUnloadSqlModule } from '../../scripts/gen-sql.js';
import { InvalidInputError } from '../_shared/errors.js';
import { asOfLiteral, renderUnload, stripSqlComments } from './unload-sql.js';

const role = 'arn:aws:iam::123456789012:role/unload';
const asOf = new Date('2024-05-01T02:03:04.999Z');
const target = { channel: 'viewership', bucket: 'bucket-1', prefix: 'runs/20240501T020304Z-x/viewership/' };

describe('UNLOAD rendering', () => {
  it('keeps the generated module identical to the sql/ files', () => {
    expect(readFileSync(GENERATED_MODULE_PATH, 'utf8')).toBe(renderUnloadSqlModule());
  });

  it('doubles single quotes and replaces the as-of token with a TIMESTAMP literal', () => {
    // Prepare
    const select = "-- purpose\nSELECT a -- trailing\nFROM t\nWHERE s > {{AS_OF}} - INTERVAL '28 days';\n";

    // Act
    const sql = renderUnload(select, target, asOf, role);

    // Assess
    expect(sql).toBe(
      "UNLOAD ('SELECT a\nFROM t\nWHERE s > TIMESTAMP ''2024-05-01 02:03:04'' - INTERVAL ''28 days''')\n" +
        "TO 's3://bucket-1/runs/20240501T020304Z-x/viewership/'\n" +
        `IAM_ROLE '${role}'\nFORMAT JSON\nCLEANPATH\nPARALLEL ON`,
    );
  });

  it('refuses prefixes, buckets and tokens outside the strict patterns', () => {
    expect(() => renderUnload('SELECT 1', { ...target, prefix: "runs/x'/" }, asOf, role)).toThrow(InvalidInputError);
    expect(() => renderUnload('SELECT 1', { ...target, bucket: 'B' }, asOf, role)).toThrow(InvalidInputError);
    expect(() => renderUnload('SELECT {{OTHER}}', target, asOf, role)).toThrow(InvalidInputError);
    expect(() => renderUnload('SELECT 1', target, asOf, "x' --")).toThrow(InvalidInputError);
  });

  it('formats the as-of literal in UTC to the second', () => {
    expect(asOfLiteral(new Date('2024-12-31T23:59:59.5Z'))).toBe("TIMESTAMP '2024-12-31 23:59:59'");
    expect(stripSqlComments('-- a\n\nSELECT 1;')).toBe('SELECT 1');
  });
});
