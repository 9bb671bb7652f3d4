import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { InvalidInputError } from './errors.js';
import { logger, metrics } from './powertools.js';

/**
 * What Powertools' `injectLambdaContext` + `logMetrics` middlewares do, without middy: the Lambda context
 * on every log line, temporary keys cleared between invocations, and stored EMF metrics flushed even when
 * the invocation fails. The local runtime calls handlers with no context, which is fine.
 */
export function lambdaHandler<TEvent, TResult>(
  run: (event: TEvent, context: Context | undefined) => Promise<TResult>,
): (event: TEvent, context?: Context) => Promise<TResult> {
  return async (event, context) => {
    if (context) logger.addContext(context);
    try {
      return await run(event, context);
    } catch (error) {
      logger.error('invocation failed', error as Error);
      throw error;
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

/** Parses a Lambda event with `schema`; a mismatch is an InvalidInputError naming the first bad field. */
export function parseEvent<S extends z.ZodType>(schema: S, event: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(event);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new InvalidInputError(`${what}: ${field ? `${field}: ` : ''}${issue?.message ?? 'invalid'}`, field, {
      cause: result.error,
    });
  }
  return result.data;
}
