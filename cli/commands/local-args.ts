import { UsageError } from '../errors.js';

/**
 * What the commands that drive the local runtime share (issue #17): the flags with one meaning everywhere, the
 * --data-dir check, and the rule that a LocalSetupError (an unusable data dir, run id or flag value that local/
 * detects) is the caller's mistake, a usage error (exit 2), not a failure.
 */

export const DATA_DIR_ARG = {
  type: 'string',
  description: 'where the stand-ins keep their state',
  default: '.recs',
} as const;

/** The flags of the commands that run the pipeline (`recs run`, `recs redrive`). */
export const RUNTIME_ARGS = {
  verbose: { type: 'boolean', description: 'handler logs and error stacks', default: false },
  iam: {
    type: 'boolean',
    description: "check every AWS call against the stack's IAM policies (--no-iam turns it off, with a warning)",
    default: true,
  },
} as const;

/** The --data-dir value, trimmed; a usage error when empty. */
export function dataDirOf(raw: unknown): string {
  const dataDir = String(raw ?? '').trim();
  if (!dataDir) throw new UsageError('--data-dir must not be empty');
  return dataDir;
}

/** Runs `action`, turning a LocalSetupError into a UsageError with the same message. */
export async function withLocalErrors<T>(action: () => T | Promise<T>): Promise<T> {
  const { LocalSetupError } = await import('../../local/errors.js');
  try {
    return await action();
  } catch (error) {
    throw error instanceof LocalSetupError ? new UsageError(error.message, { cause: error }) : error;
  }
}
