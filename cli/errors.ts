/** A problem with how the command was called (bad flag, bad value, unusable data dir): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
