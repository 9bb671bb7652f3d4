/**
 * Redshift `UNLOAD` translated for the local warehouse: the inner SELECT runs on PGlite and its rows become
 * JSON Lines parts under the S3 prefix, named like Redshift's (`<prefix>0000_part_00.json`).
 */

export interface UnloadStatement {
  /** The inner SELECT with Redshift's doubled quotes undone. */
  select: string;
  bucket: string;
  /** Key prefix as written after the bucket (may end in `/` or be a file-name prefix). */
  prefix: string;
  format: 'JSON' | 'CSV';
  allowOverwrite: boolean;
  cleanPath: boolean;
  header: boolean;
  extension?: string;
}

export class UnloadSyntaxError extends Error {
  override name = 'UnloadSyntaxError';
}

const UNLOAD_START = /^\s*UNLOAD\s*\(\s*'/i;

/** True when the statement is an UNLOAD (comments and leading blanks allowed). */
export const isUnload = (sql: string): boolean => UNLOAD_START.test(stripLeadingComments(sql));

function stripLeadingComments(sql: string): string {
  return sql.replace(/^(\s*--[^\n]*\n|\s*\/\*[\s\S]*?\*\/)*/, '');
}

/**
 * Reads a single-quoted SQL literal starting at `start` (just after the opening quote) with Redshift's rules:
 * '' is a quote, and a backslash escapes the character after it (\' a quote, \\ a backslash).
 */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") {
      if (text[i + 1] === "'") {
        value += "'";
        i++;
        continue;
      }
      return { value, end: i + 1 };
    }
    if (ch === '\\' && i + 1 < text.length) {
      value += text[i + 1];
      i++;
      continue;
    }
    value += ch;
  }
  throw new UnloadSyntaxError('unterminated quoted SELECT in UNLOAD');
}

/** Parses `UNLOAD ('select …') TO 's3://bucket/prefix' [options]`. */
export function parseUnload(sql: string): UnloadStatement {
  const text = stripLeadingComments(sql);
  const start = UNLOAD_START.exec(text);
  if (!start) throw new UnloadSyntaxError('not an UNLOAD statement');
  const { value: select, end } = readQuoted(text, start[0].length);
  const rest = text.slice(end);
  const target = /^\s*\)\s*TO\s*'s3:\/\/([^/']+)\/?([^']*)'([\s\S]*)$/i.exec(rest);
  if (!target) throw new UnloadSyntaxError("UNLOAD needs TO 's3://bucket/prefix'");
  const options = (target[3] ?? '').replace(/'[^']*'/g, (quoted) => quoted.replace(/\s/g, '\u0000'));
  const format =
    /\bFORMAT\s+(?:AS\s+)?(\w+)/i.exec(options)?.[1]?.toUpperCase() ?? (/\bCSV\b/i.test(options) ? 'CSV' : 'TEXT');
  if (format !== 'JSON' && format !== 'CSV')
    throw new UnloadSyntaxError(`UNLOAD FORMAT ${format} is not supported locally`);
  const extension = /\bEXTENSION\s+'([^']*)'/i.exec(target[3] ?? '')?.[1];
  return {
    select: select.trim().replace(/;\s*$/, ''),
    bucket: target[1] ?? '',
    prefix: target[2] ?? '',
    format,
    allowOverwrite: /\bALLOWOVERWRITE\b/i.test(options),
    cleanPath: /\bCLEANPATH\b/i.test(options),
    header: /\bHEADER\b/i.test(options),
    ...(extension !== undefined ? { extension } : {}),
  };
}

/** Redshift's part names for slice `index` (`0000_part_00`), with the format's extension. */
export function partKey(statement: UnloadStatement, index: number): string {
  const extension = statement.extension ?? (statement.format === 'JSON' ? 'json' : 'csv');
  return `${statement.prefix}${String(index).padStart(4, '0')}_part_00${extension ? `.${extension}` : ''}`;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Serializes rows the way UNLOAD writes them: one JSON object per line (or CSV), split into `parts` slices. */
export function renderParts(
  statement: UnloadStatement,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  parts: number,
): { key: string; body: string }[] {
  const perPart = Math.max(1, Math.ceil(rows.length / parts));
  const out: { key: string; body: string }[] = [];
  for (let index = 0; index * perPart < rows.length; index++) {
    const slice = rows.slice(index * perPart, (index + 1) * perPart);
    const lines = slice.map((row) =>
      statement.format === 'JSON'
        ? JSON.stringify(Object.fromEntries(columns.map((column) => [column, row[column] ?? null])))
        : columns.map((column) => csvField(row[column])).join(','),
    );
    if (statement.format === 'CSV' && statement.header) lines.unshift(columns.join(','));
    out.push({ key: partKey(statement, index), body: `${lines.join('\n')}\n` });
  }
  return out;
}
