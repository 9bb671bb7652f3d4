import { describe, expect, it } from 'vitest';
import { bindParameters } from './data-api.js';
import { isUnload, parseUnload, partKey, renderParts } from './unload.js';

describe('UNLOAD translation', () => {
  it('extracts the inner SELECT with doubled quotes undone, the target and the options', () => {
    // Prepare
    const sql = `UNLOAD ('SELECT viewer_id FROM identity_map WHERE started_at <= TIMESTAMP ''2025-01-01 00:00:00'' AND note = ''it''''s''')
      TO 's3://recs-bucket/runs/r1/viewers/' IAM_ROLE 'arn:aws:iam::123456789012:role/unload' FORMAT AS JSON ALLOWOVERWRITE CLEANPATH`;

    // Act
    const statement = parseUnload(sql);

    // Assess
    expect(statement.select).toBe(
      "SELECT viewer_id FROM identity_map WHERE started_at <= TIMESTAMP '2025-01-01 00:00:00' AND note = 'it''s'",
    );
    expect(statement).toMatchObject({
      bucket: 'recs-bucket',
      prefix: 'runs/r1/viewers/',
      format: 'JSON',
      allowOverwrite: true,
      cleanPath: true,
    });
  });

  it('keeps comments and newlines of a multi-line SQL file inside the literal', () => {
    const statement = parseUnload("UNLOAD ('-- purpose\nSELECT 1 AS one\n') TO 's3://b/p/' FORMAT JSON");
    expect(statement.select).toBe('-- purpose\nSELECT 1 AS one');
    expect(statement.allowOverwrite).toBe(false);
  });

  it('recognises UNLOAD after leading comments and rejects other statements', () => {
    expect(isUnload("-- hello\nUNLOAD ('select 1') TO 's3://b/p'")).toBe(true);
    expect(isUnload('SELECT 1')).toBe(false);
    expect(() => parseUnload('SELECT 1')).toThrow(/not an UNLOAD/);
    expect(() => parseUnload("UNLOAD ('select 1') TO 's3://b/p' FORMAT PARQUET")).toThrow(/PARQUET/);
  });

  it('writes JSON Lines parts named like Redshift, one object per row with snake_case keys', () => {
    const statement = parseUnload("UNLOAD ('select 1') TO 's3://b/runs/r1/catalog/' FORMAT JSON");
    const rows = [
      { show_id: 's1', partner: 'hulu', n: 3 },
      { show_id: 's2', partner: null, n: 4 },
      { show_id: 's3', partner: 'own', n: 5 },
    ];

    const parts = renderParts(statement, ['show_id', 'partner', 'n'], rows, 2);

    expect(parts.map((p) => p.key)).toEqual(['runs/r1/catalog/0000_part_00.json', 'runs/r1/catalog/0001_part_00.json']);
    const lines = parts.flatMap((p) => p.body.trim().split('\n')).map((line) => JSON.parse(line));
    expect(lines).toEqual(rows);
    expect(partKey(statement, 12)).toBe('runs/r1/catalog/0012_part_00.json');
  });

  it('writes no part for an empty result', () => {
    const statement = parseUnload("UNLOAD ('select 1') TO 's3://b/p/' FORMAT JSON");
    expect(renderParts(statement, ['a'], [], 2)).toEqual([]);
  });

  it('binds Data API named parameters by first use, leaving quoted text and casts alone and dropping comments', () => {
    const bound = bindParameters("-- uses :z\nSELECT * FROM t WHERE c = :c::int AND b = ':a' AND a = :a OR a2 = :a", [
      { name: 'a', value: '1' },
      { name: 'c', value: '2' },
      { name: 'z', value: 'unused' },
    ]);
    expect(bound).toEqual({
      text: "\nSELECT * FROM t WHERE c = $1::int AND b = ':a' AND a = $2 OR a2 = $2",
      values: ['2', '1'],
    });
  });
});
