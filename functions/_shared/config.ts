import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * The one place Lambdas read their environment. Each function's schema is parsed once at cold start,
 * so a bad deploy fails on its first invocation with a message naming the variable. Tests pass an
 * explicit object instead of mutating `process.env`. Nothing that names a resource has a default.
 */

/** A required, non-empty string (resource names, ARNs). */
export const requiredString = () => z.string().trim().min(1);

/** A number from a string variable, with a default when unset or empty. */
export const numberWithDefault = (fallback: number) =>
  z.preprocess((value) => (value === undefined || value === '' ? fallback : value), z.coerce.number().finite());

/** A positive integer from a string variable, required (its one default lives where the stack sets it). */
export const positiveInt = () => z.coerce.number().int().positive();

/** A positive integer from a string variable, with a default when unset or empty. */
export const positiveIntWithDefault = (fallback: number) =>
  z.preprocess((value) => (value === undefined || value === '' ? fallback : value), z.coerce.number().int().positive());

/** Parses `env` with `schema`; any problem becomes a ConfigError listing each bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`invalid environment: ${problems.join('; ')}`, { cause: result.error });
  }
  return result.data;
}

export const PrepareRunEnv = z.object({
  BUCKET_NAME: requiredString(),
  REDSHIFT_IAM_ROLE_ARN: requiredString().regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    'must be an IAM role ARN',
  ),
  // The stack's KMS key (id or ARN): UNLOAD writes its parts SSE-KMS with it instead of the bucket's SSE-S3 default.
  UNLOAD_KMS_KEY_ID: requiredString().regex(/^[A-Za-z0-9:/_-]{1,2048}$/, 'must be a KMS key id or ARN'),
});
export type PrepareRunConfig = z.infer<typeof PrepareRunEnv>;
export const loadPrepareRunConfig = (env: NodeJS.ProcessEnv = process.env): PrepareRunConfig =>
  parseEnv(PrepareRunEnv, env);

export const QualityGateEnv = z.object({
  TABLE_NAME: requiredString(),
  /** The model must beat the popularity baseline's NDCG@10 by at least this fraction. */
  QUALITY_MIN_LIFT: numberWithDefault(0.1).pipe(z.number().min(0)),
  /** The model may be at most this fraction worse than the live model's NDCG@10. */
  QUALITY_MAX_DROP: numberWithDefault(0.2).pipe(z.number().min(0).max(1)),
});
export type QualityGateConfig = z.infer<typeof QualityGateEnv>;
export const loadQualityGateConfig = (env: NodeJS.ProcessEnv = process.env): QualityGateConfig =>
  parseEnv(QualityGateEnv, env);

export const WriteRecsEnv = z.object({
  TABLE_NAME: requiredString(),
  /** Days a run's lists live; the stage parameter `ttlDays` in serverless.yml is the one default. */
  TTL_DAYS: positiveInt(),
  /** BatchWriteItem requests in flight per invocation (one keep-alive client). */
  WRITE_CONCURRENCY: positiveIntWithDefault(8),
  /** Retrying stops this long before the Lambda timeout, so the batch fails loudly instead of timing out. */
  WRITE_SAFETY_MARGIN_MS: positiveIntWithDefault(20_000),
});
export type WriteRecsConfig = z.infer<typeof WriteRecsEnv>;
export const loadWriteRecsConfig = (env: NodeJS.ProcessEnv = process.env): WriteRecsConfig =>
  parseEnv(WriteRecsEnv, env);

export const PublishRunEnv = z.object({
  TABLE_NAME: requiredString(),
  /** The popular-shows fallback expires with the lists it stands in for (same `ttlDays` stage parameter). */
  TTL_DAYS: positiveInt(),
});
export type PublishRunConfig = z.infer<typeof PublishRunEnv>;
export const loadPublishRunConfig = (env: NodeJS.ProcessEnv = process.env): PublishRunConfig =>
  parseEnv(PublishRunEnv, env);

export const RecordFailureEnv = z.object({
  TABLE_NAME: requiredString(),
  BUCKET_NAME: requiredString(),
});
export type RecordFailureConfig = z.infer<typeof RecordFailureEnv>;
export const loadRecordFailureConfig = (env: NodeJS.ProcessEnv = process.env): RecordFailureConfig =>
  parseEnv(RecordFailureEnv, env);
