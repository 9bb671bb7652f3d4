import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { ConfigError } from './errors.js';

/**
 * Holdout experiments (issue #18): a share of viewers keeps the non-personalised experience so the report can
 * measure what the recommendations change. One experiment per stage, set by stage params (serverless.yml
 * `experiment*` → the EXPERIMENT_* environment of the offers and report functions; locally `.recs/experiment.json`
 * written by `recs experiment start|stop`). This module is the one definition of the config and of the assignment.
 */

export const EXPERIMENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export type Variant = 'control' | 'treatment';
/** What control viewers get: the live run's popular shows, or the lists of the run that was live before. */
export type ControlTreatment = 'popular' | 'previous-model';
export const CONTROL_TREATMENTS = ['popular', 'previous-model'] as const;
/**
 * 10 %: at 50,000 viewers a 10 % holdout gives about 5,000 control viewers, enough for a 95 % interval of about
 * ±1.5 retention points (README "Experiments"), while 90 % of viewers keep their personalised lists.
 */
export const DEFAULT_CONTROL_SHARE = 0.1;

export interface Experiment {
  id: string;
  /** ISO 8601 instant; viewers are in the experiment from here. */
  start: string;
  /** ISO 8601 instant, exclusive; absent while it runs. */
  end?: string;
  /** Share of viewers in control, in (0, 0.5]. */
  controlShare: number;
  control: ControlTreatment;
}

const isoInstant = z.pipe(
  z.string().check(z.refine((text) => !Number.isNaN(Date.parse(text)), 'must be an ISO 8601 date or timestamp')),
  z.transform((text: string) => new Date(text).toISOString()),
);

// zod/mini: the offers bundle imports this module, and the offers cold start is kept small (store.ts).
export const ExperimentSchema = z
  .object({
    id: z.string().check(z.regex(EXPERIMENT_ID_PATTERN, 'must be 1-64 characters from A-Z, a-z, 0-9, "_" and "-"')),
    start: isoInstant,
    end: z.optional(isoInstant),
    controlShare: z._default(
      z
        .number({ error: 'must be a number in (0, 0.5]' })
        .check(z.gt(0, { error: 'must be in (0, 0.5]' }), z.lte(0.5, { error: 'must be in (0, 0.5]' })),
      DEFAULT_CONTROL_SHARE,
    ),
    control: z._default(z.enum(CONTROL_TREATMENTS, { error: 'must be popular or previous-model' }), 'popular'),
  })
  .check(
    z.refine((e) => e.end === undefined || e.end > e.start, { message: 'end must be after start', path: ['end'] }),
  );

/** Hex digits of the MD5 digest that pick the bucket: 24 bits, so the SQL's arithmetic stays within INTEGER. */
export const BUCKET_HEX_DIGITS = 6;
export const BUCKET_COUNT = 16 ** BUCKET_HEX_DIGITS;

/**
 * The viewer's bucket in [0, 2^24): the first six hex digits of MD5("<experimentId>:<viewerId>") as an integer.
 * sql/report_experiment.sql computes the same number (MD5, SUBSTRING and STRPOS, which Redshift and PostgreSQL
 * both have), so the offers endpoint and the report agree on every viewer without storing an assignment.
 */
export function assignmentBucket(experimentId: string, viewerId: string): number {
  const digest = createHash('md5').update(`${experimentId}:${viewerId}`, 'utf8').digest('hex');
  return Number.parseInt(digest.slice(0, BUCKET_HEX_DIGITS), 16);
}

/** Buckets below this are control; the SQL gets the same integer as a parameter, so no float is compared twice. */
export function controlThreshold(controlShare: number): number {
  return Math.round(controlShare * BUCKET_COUNT);
}

/** The viewer's variant: deterministic and stateless. */
export function assignVariant(experiment: Pick<Experiment, 'id' | 'controlShare'>, viewerId: string): Variant {
  return assignmentBucket(experiment.id, viewerId) < controlThreshold(experiment.controlShare)
    ? 'control'
    : 'treatment';
}

/** Whether the experiment assigns viewers at `now` (start inclusive, end exclusive). */
export function isExperimentActive(experiment: Experiment, now: Date): boolean {
  const t = now.getTime();
  return Date.parse(experiment.start) <= t && (experiment.end === undefined || t < Date.parse(experiment.end));
}

/** Environment variable names (serverless.yml maps the stage params onto them). */
export const EXPERIMENT_ENV = {
  id: 'EXPERIMENT_ID',
  start: 'EXPERIMENT_START',
  end: 'EXPERIMENT_END',
  controlShare: 'EXPERIMENT_CONTROL_SHARE',
  control: 'EXPERIMENT_CONTROL',
} as const;

/**
 * The stage's experiment from the environment; undefined when EXPERIMENT_ID is unset or empty (no experiment).
 * Throws ConfigError naming the variable when it is set but wrong, so a bad deploy fails loudly.
 */
export function experimentFromEnv(env: Readonly<Record<string, string | undefined>>): Experiment | undefined {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const id = read(EXPERIMENT_ENV.id);
  if (id === undefined) return undefined;
  const share = read(EXPERIMENT_ENV.controlShare);
  const parsed = ExperimentSchema.safeParse({
    id,
    start: read(EXPERIMENT_ENV.start),
    end: read(EXPERIMENT_ENV.end),
    controlShare: share === undefined ? undefined : Number(share),
    control: read(EXPERIMENT_ENV.control),
  });
  if (!parsed.success) {
    const names = parsed.error.issues.map(
      (issue) => EXPERIMENT_ENV[String(issue.path[0]) as keyof typeof EXPERIMENT_ENV] ?? 'EXPERIMENT',
    );
    throw new ConfigError(
      `invalid experiment environment: ${[...new Set(names)].join(', ')} (${parsed.error.issues.map((i) => i.message).join('; ')})`,
    );
  }
  return parsed.data;
}

/** The environment variables that carry `experiment` (empty strings when there is none), for the local runtime. */
export function experimentEnv(experiment: Experiment | undefined): Record<string, string> {
  return {
    [EXPERIMENT_ENV.id]: experiment?.id ?? '',
    [EXPERIMENT_ENV.start]: experiment?.start ?? '',
    [EXPERIMENT_ENV.end]: experiment?.end ?? '',
    [EXPERIMENT_ENV.controlShare]: experiment ? String(experiment.controlShare) : '',
    [EXPERIMENT_ENV.control]: experiment?.control ?? '',
  };
}
