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

  it('names the field that is outside its pattern, and the value where it is safe to show', () => {
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return undefined;
    };

    expect(refusal(() => renderUnload('SELECT 1', { ...target, bucket: 'B' }, asOf, credentials))).toMatchObject({
      name: 'InvalidInputError',
      field: 'bucket',
      message: 'bad bucket name "B"',
    });
    expect(refusal(() => renderUnload('SELECT 1', { ...target, prefix: 'runs/x/' }, asOf, credentials))).toMatchObject({
      field: 'prefix',
      message: 'bad S3 prefix "runs/x/"',
    });
    expect(refusal(() => renderUnload('SELECT 1', target, asOf, { ...credentials, iamRoleArn: 'role' }))).toMatchObject(
      { field: 'iamRoleArn', message: 'bad IAM role ARN' },
    );
    expect(refusal(() => renderUnload('SELECT 1', target, asOf, { ...credentials, kmsKeyId: 'k k' }))).toMatchObject({
      field: 'kmsKeyId',
      message: 'bad KMS key id',
    });
    expect(refusal(() => renderUnload('SELECT 1', { ...target, channel: 'views' }, asOf, credentials))).toMatchObject({
      field: 'channel',
      message: 'unknown UNLOAD channel "views"',
    });
    expect(refusal(() => renderUnload('SELECT {{OTHER}}', target, asOf, credentials))).toMatchObject({
      field: 'sql',
      message: 'unknown template token in viewership SQL',
    });
    expect(refusal(() => asOfLiteral(new Date(Number.NaN)))).toMatchObject({
      name: 'InvalidInputError',
      field: 'asOf',
      message: 'as-of time is not a valid date',
    });
  });

  it('strips comments only outside string literals, and only a semicolon that ends the statement', () => {
    expect(stripSqlComments("SELECT '--kept' AS a, 'x' AS b -- dropped\nFROM t")).toBe(
      "SELECT '--kept' AS a, 'x' AS b\nFROM t",
    );
    expect(stripSqlComments("SELECT 'it''s -- kept' -- dropped")).toBe("SELECT 'it''s -- kept'");
    expect(stripSqlComments("SELECT ';' AS a, 'a;b' AS b;")).toBe("SELECT ';' AS a, 'a;b' AS b");
    expect(stripSqlComments("SELECT 'a;b'")).toBe("SELECT 'a;b'");
  });

  it('formats the as-of literal in UTC to the second', () => {
    expect(asOfLiteral(new Date('2024-12-31T23:59:59.5Z'))).toBe("TIMESTAMP '2024-12-31 23:59:59'");
    expect(stripSqlComments('-- a\n\nSELECT 1;')).toBe('SELECT 1');
  });
});
