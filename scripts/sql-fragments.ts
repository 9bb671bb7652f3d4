/**
 * SQL fragments (issue #17): a clause several statements share lives in one `sql/<name>.sql` file, a plain SELECT,
 * and a statement includes it with a line that holds only `{{<NAME>}}` (the file name in upper case), usually as the
 * body of a CTE. The generators (scripts/gen-sql.ts, scripts/gen-report-assets.ts) expand those
 * lines before they embed a statement, so what runs in Redshift and PGlite is one self-contained statement.
 * Tokens inside a line (`{{AS_OF}}`) are not fragments; they are bound later (functions/prepare-run/unload-sql.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));

const FRAGMENT_LINE = /^\{\{([A-Z][A-Z0-9_]*)\}\}$/gm;

/** `sql` with every fragment line replaced by its file's text (comments kept, trailing blank lines dropped). */
export function expandSqlFragments(sql: string, sqlDir: string = SQL_DIR): string {
  return sql.replaceAll('\r\n', '\n').replace(FRAGMENT_LINE, (_line, name: string) => {
    const file = `${name.toLowerCase()}.sql`;
    let fragment: string;
    try {
      fragment = readFileSync(join(sqlDir, file), 'utf8').replaceAll('\r\n', '\n').trimEnd();
    } catch (cause) {
      throw new Error(`SQL fragment line {{${name}}} names no file sql/${file}`, { cause });
    }
    // One level only, so a fragment reads as the SELECT it is.
    if (/^\{\{[A-Z][A-Z0-9_]*\}\}$/m.test(fragment)) throw new Error(`SQL fragment sql/${file} includes a fragment`);
    return fragment;
  });
}

/** A file of `sqlDir` with its fragments expanded. */
export function readSqlStatement(file: string, sqlDir: string = SQL_DIR): string {
  return expandSqlFragments(readFileSync(join(sqlDir, file), 'utf8'), sqlDir);
}
