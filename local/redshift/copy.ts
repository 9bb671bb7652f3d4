/**
 * Redshift `COPY table (columns) FROM 's3://bucket/prefix' IAM_ROLE '…' FORMAT [AS] JSON 'auto'` translated
 * for the local warehouse: every object whose key starts with the prefix is read as JSON Lines (what the
 * report Lambda writes) and its rows are loaded into PGlite in batches with Postgres' own COPY (as CSV). JSON
 * 'auto' maps a field to the column of the same name; a column without a field gets NULL, fields without a
 * column are ignored.
 */

export interface CopyStatement {
  table: string;
  /** The column list; empty when the statement gave none (then the table's columns, in order). */
  columns: string[];
  bucket: string;
  /** Key prefix as written after the bucket: COPY loads every object whose key starts with it. */
  prefix: string;
  /** JSON 'auto' matches field names exactly; 'auto ignorecase' ignores their case. */
  ignoreCase: boolean;
}

export class CopySyntaxError extends Error {
  override name = 'CopySyntaxError';
}

const IDENTIFIER = '[A-Za-z_][A-Za-z0-9_]*';
const COPY_START = /^\s*COPY\s/i;
const COPY_STATEMENT = new RegExp(
  `^\\s*COPY\\s+(${IDENTIFIER}(?:\\.${IDENTIFIER})?)\\s*(?:\\(([^)]*)\\))?\\s*FROM\\s+'s3://([^/']+)/?([^']*)'([\\s\\S]*)$`,
  'i',
);

function stripComments(sql: string): string {
  return sql.replace(/^(\s*--[^\n]*\n|\s*\/\*[\s\S]*?\*\/)*/, '');
}

/** True when the statement is a COPY (comments and leading blanks allowed). */
export const isCopy = (sql: string): boolean => COPY_START.test(stripComments(sql));

/** Parses the COPY form the report Lambda sends; anything else (CSV, manifests, other sources) is refused. */
export function parseCopy(sql: string): CopyStatement {
  const text = stripComments(sql).trim().replace(/;\s*$/, '');
  const match = COPY_STATEMENT.exec(text);
  if (!match) throw new CopySyntaxError("COPY needs: COPY table [(columns)] FROM 's3://bucket/prefix' …");
  const options = match[5] ?? '';
  const format = /\bFORMAT\s+(?:AS\s+)?(\w+)(?:\s+'([^']*)')?/i.exec(options);
  if (format?.[1]?.toUpperCase() !== 'JSON') {
    throw new CopySyntaxError(
      `COPY FORMAT ${format?.[1] ?? '(none)'} is not supported locally; use FORMAT JSON 'auto'`,
    );
  }
  const jsonOption = (format[2] ?? 'auto').toLowerCase();
  if (jsonOption !== 'auto' && jsonOption !== 'auto ignorecase') {
    throw new CopySyntaxError(`COPY FORMAT JSON '${format[2]}' (a JSONPaths file) is not supported locally`);
  }
  if (/\bMANIFEST\b/i.test(options)) throw new CopySyntaxError('COPY … MANIFEST is not supported locally');
  const columns = (match[2] ?? '')
    .split(',')
    .map((column) => column.trim())
    .filter((column) => column.length > 0);
  for (const column of columns) {
    if (!new RegExp(`^${IDENTIFIER}$`).test(column)) throw new CopySyntaxError(`bad COPY column "${column}"`);
  }
  return {
    table: match[1] ?? '',
    columns,
    bucket: match[3] ?? '',
    prefix: match[4] ?? '',
    ignoreCase: jsonOption === 'auto ignorecase',
  };
}

/**
 * One row's values in column order from a JSON Lines line (blank lines give null). Redshift rejects the load
 * on a line that is not a JSON object, and so does this.
 */
export function rowValues(statement: CopyStatement, columns: readonly string[], line: string): unknown[] | null {
  if (line.trim().length === 0) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new CopySyntaxError(
      `COPY: invalid JSON in s3://${statement.bucket}/${statement.prefix}…: ${line.slice(0, 80)}`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CopySyntaxError('COPY: each JSON Lines record must be an object');
  }
  const record = parsed as Record<string, unknown>;
  const lookup = statement.ignoreCase
    ? new Map(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]))
    : new Map(Object.entries(record));
  return columns.map((column) => {
    const value = lookup.get(statement.ignoreCase ? column.toLowerCase() : column);
    if (value === undefined || value === null) return null;
    return typeof value === 'object' ? JSON.stringify(value) : value;
  });
}

/**
 * One CSV record for Postgres `COPY … (FORMAT csv)`: NULL is an unquoted empty field, every other value is
 * quoted (so an empty string stays an empty string) with quotes doubled.
 */
export function csvRecord(values: readonly unknown[]): string {
  return values.map((value) => (value === null ? '' : `"${String(value).replaceAll('"', '""')}"`)).join(',');
}

/** The Postgres COPY that reads a batch of csvRecord lines handed over as a blob (PGlite's `/dev/blob`). */
export const copyFromBlobSql = (table: string, columns: readonly string[]): string =>
  `COPY ${table} (${columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT csv)`;
