import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { RedshiftDataEmulator } from './data-api.js';

/**
 * DescribeStatement that also answers for statements finished in an earlier process, as the real Data API
 * keeps them for 24 hours: a redrive that resumes at CheckUnload describes the original run's statement.
 */
export function describeStatementDurably(
  redshift: RedshiftDataEmulator,
  params: Record<string, unknown>,
  path: string,
): Record<string, unknown> {
  const read = (): Record<string, Record<string, unknown>> => {
    try {
      return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
    } catch {
      return {};
    }
  };
  const id = String(params.Id ?? '');
  let described: Record<string, unknown>;
  try {
    described = redshift.describeStatement(params);
  } catch (error) {
    const recorded = read()[id];
    if (recorded) return recorded;
    throw error;
  }
  if (described.Status === 'FINISHED' || described.Status === 'FAILED' || described.Status === 'ABORTED') {
    writeFileSync(path, JSON.stringify({ ...read(), [id]: described }));
  }
  return described;
}
