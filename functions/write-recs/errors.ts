import { RecsError } from '../_shared/errors.js';

/**
 * The batch could not be written (a non-retryable DynamoDB or S3 error). The Map counts the batch as
 * failed; ToleratedFailurePercentage decides whether the run goes on. Throttling past the time budget is
 * a `ThrottledError` instead, which the ASL retries (rewriting a batch is harmless: same keys, same rows).
 */
export class WriteRecsError extends RecsError {
  override name = 'WriteRecsError';
}
