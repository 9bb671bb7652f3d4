/**
 * Errors of the local runtime. `TaskError` is what a local Task handler throws to fail its state the
 * way AWS would: the interpreter matches Retry/Catch on `name` and puts `message` in the Cause.
 */
export class LocalRuntimeError extends Error {
  override name = 'LocalRuntimeError';
}

/** A Task failure with an AWS-shaped error name (`States.TaskFailed`, `SageMaker.AmazonSageMakerException`, …). */
export class TaskError extends Error {
  constructor(errorName: string, cause: string, options?: ErrorOptions) {
    super(cause, options);
    this.name = errorName;
  }
}

/** The local setup itself is unusable (unreadable definition, corrupt or unwritable data dir): a usage problem. */
export class LocalSetupError extends LocalRuntimeError {
  override name = 'LocalSetupError';
}

/** `recs redrive` of an execution that is unknown, not FAILED, or failed by decision rather than by a Task error. */
export class ExecutionNotRedrivableError extends LocalSetupError {
  override name = 'ExecutionNotRedrivableError';
}
