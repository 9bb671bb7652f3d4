/**
 * Typed errors shared by every Lambda. A Lambda error's `name` is what the state machine's Retry `ErrorEquals`
 * match on (no Task has a Catch), so these class names are an API:
 * rename them together with the ASL.
 */
export class RecsError extends Error {
  override name = 'RecsError';
}

/** Input failed validation; never retried, the run fails (or the HTTP caller gets a 400). */
export class InvalidInputError extends RecsError {
  override name = 'InvalidInputError';
  constructor(
    message: string,
    readonly field?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A dependency throttled us past our own retry budget; the state machine retries the Task. */
export class ThrottledError extends RecsError {
  override name = 'ThrottledError';
}

/** Configuration (environment) is missing or malformed: a deploy problem, reported on the first invocation. */
export class ConfigError extends RecsError {
  override name = 'ConfigError';
}

/** HTTP: the caller is not authenticated (no or invalid token). */
export class UnauthorizedError extends RecsError {
  override name = 'UnauthorizedError';
}

/** HTTP: the caller is authenticated but may not read this resource. */
export class ForbiddenError extends RecsError {
  override name = 'ForbiddenError';
}
