/** Base class of every error the recommender container raises on purpose. */
export class RecsError extends Error {
  override name = 'RecsError';
}

/** A hyperparameter is missing its expected form; the message names the key. */
export class HyperparameterError extends RecsError {
  override name = 'HyperparameterError';
}

/** The training channels are unreadable or hold too little data to train on. */
export class TrainingDataError extends RecsError {
  override name = 'TrainingDataError';
}

/** The model directory is missing or inconsistent (serve, evaluate). */
export class ModelArtifactError extends RecsError {
  override name = 'ModelArtifactError';
}

/** One invocation line is malformed; answered as a per-line error object, never a failed batch. */
export class InvalidRequestError extends RecsError {
  override name = 'InvalidRequestError';
}
