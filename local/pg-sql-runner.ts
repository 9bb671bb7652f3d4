import { ReportQueryError, type SqlRow, type SqlRunner } from '../functions/report-top-shows/sql-runner.js';

/**
 * The report's SqlRunner over Postgres (PGlite in the local runtime, `recs report` and the tests): what the
 * Redshift Data API does with named parameters, done by rewriting them. Local only; the Lambda uses Redshift.
 */

/**
 * Rewrites `:name` parameters to Postgres `$n` placeholders, leaving string literals, quoted identifiers and
 * comments alone (a `$n` left in a comment would still count towards the bind message's parameters).
 */
export function bindNamedParams(
  sql: string,
  params: Readonly<Record<string, string>>,
): { text: string; values: string[] } {
  const order: string[] = [];
  const token = /('(?:[^']|'')*')|("(?:[^"]|"")*")|(--[^\n]*)|(\/\*[\s\S]*?\*\/)|(::)|:([A-Za-z_][A-Za-z0-9_]*)/g;
  const text = sql.replace(token, (match, single, double, line, block, cast, name: string | undefined) => {
    if (line !== undefined || block !== undefined) return '';
    if (single !== undefined || double !== undefined || cast !== undefined || name === undefined) return match;
    if (!(name in params)) throw new ReportQueryError(`SQL parameter :${name} has no value`);
    let index = order.indexOf(name);
    if (index < 0) index = order.push(name) - 1;
    return `$${index + 1}`;
  });
  return { text, values: order.map((name) => params[name] as string) };
}

/** The part of a Postgres client the report needs; PGlite and node-postgres both fit it. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Backs the report with an embedded or local Postgres (PGlite in the local runtime and the tests). */
export function pgSqlRunner(db: PgQueryable): SqlRunner {
  return {
    async run(sql, params) {
      const { text, values } = bindNamedParams(sql, params);
      try {
        return (await db.query(text, values)).rows as SqlRow[];
      } catch (error) {
        throw new ReportQueryError(`report query failed: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}
