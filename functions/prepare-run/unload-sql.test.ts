import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_MODULE_PATH, renderUnloadSqlModule } from '../../scripts/gen-sql.js';
import { InvalidInputError } from '../_shared/errors.js';
import { asOfLiteral, renderUnload, stripSqlComments } from './unload-sql.js';

const role = 'arn:aws:iam::123456789012:role/unload';
const kmsKeyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
const credentials = { iamRoleArn: role, kmsKeyId };
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
    const sql = renderUnload(select, target, asOf, credentials);

    // Assess
    expect(sql).toBe(
      "UNLOAD ('SELECT a\nFROM t\nWHERE s > TIMESTAMP ''2024-05-01 02:03:04'' - INTERVAL ''28 days''')\n" +
        "TO 's3://bucket-1/runs/20240501T020304Z-x/viewership/'\n" +
        `IAM_ROLE '${role}'\nKMS_KEY_ID '${kmsKeyId}'\nENCRYPTED\nFORMAT JSON\nCLEANPATH\nPARALLEL ON`,
    );
  });

  it('doubles backslashes as well as quotes, as Redshift string literals need', () => {
    const sql = renderUnload(
      String.raw`SELECT a FROM t WHERE b ~ '\d+' AND c = 'O''Brien\'`,
      target,
      asOf,
      credentials,
    );

    expect(sql.split('\n')[0]).toBe(String.raw`UNLOAD ('SELECT a FROM t WHERE b ~ ''\\d+'' AND c = ''O''''Brien\\''')`);
  });

  it('refuses prefixes, buckets and tokens outside the strict patterns', () => {
    expect(() => renderUnload('SELECT 1', { ...target, prefix: "runs/x'/" }, asOf, credentials)).toThrow(
      InvalidInputError,
    );
    expect(() => renderUnload('SELECT 1', { ...target, bucket: 'B' }, asOf, credentials)).toThrow(InvalidInputError);
    expect(() => renderUnload('SELECT {{OTHER}}', target, asOf, credentials)).toThrow(InvalidInputError);
    expect(() => renderUnload('SELECT 1', target, asOf, { ...credentials, iamRoleArn: "x' --" })).toThrow(
      InvalidInputError,
    );
    expect(() => renderUnload('SELECT 1', target, asOf, { ...credentials, kmsKeyId: "k' --" })).toThrow(
      InvalidInputError,
    );
  });

  it('formats the as-of literal in UTC to the second', () => {
    expect(asOfLiteral(new Date('2024-12-31T23:59:59.5Z'))).toBe("TIMESTAMP '2024-12-31 23:59:59'");
    expect(stripSqlComments('-- a\n\nSELECT 1;')).toBe('SELECT 1');
  });
});
