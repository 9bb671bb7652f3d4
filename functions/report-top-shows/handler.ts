import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { principalFromEvent } from '../_shared/auth.js';
import { makeS3Client } from '../_shared/aws.js';
import { ConfigError, ForbiddenError, InvalidInputError, RecsError, UnauthorizedError } from '../_shared/errors.js';
import { type Experiment, experimentFromEnv } from '../_shared/experiment.js';
import { type ErrorBody, errorResponse, type HttpResponse, isClientError, jsonResponse } from '../_shared/http.js';
import { logger } from '../_shared/powertools.js';
import {
  compareRunIds,
  isStagePrefix,
  REPORT_INDEX_PREFIX,
  RunId,
  reportIndexKey,
  reportKeys,
  runIdOfReportIndexKey,
  runPrefixes,
} from '../_shared/run-layout.js';
import { renderLoadExposures, writeExposuresFile } from './exposures.js';
import { DEFAULT_REPORT_TOP_N, DEFAULT_REPORT_WEEKS, generateReport } from './generate-report.js';
import { filterReport } from './query.js';
import { DEFAULT_WEEK_START, type TopShowsReport, WEEK_START_DAYS } from './report.js';
import { redshiftSqlRunner, runRedshiftBatch } from './sql-runner.js';

const Env = z.object({
  BUCKET_NAME: z.string().min(1),
  REDSHIFT_WORKGROUP: z.string().min(1),
  REDSHIFT_DATABASE: z.string().min(1),
  REDSHIFT_SECRET_ARN: z.string().min(1).optional(),
  // Only the pipeline path needs it (COPY of the run's exposures); the HTTP function has none.
  REDSHIFT_IAM_ROLE_ARN: z.string().min(1).optional(),
  REPORTS_SCOPE: z.string().min(1).optional(),
  REPORT_WEEKS: z.coerce.number().int().min(1).max(52).default(DEFAULT_REPORT_WEEKS),
  REPORT_TOP_N: z.coerce.number().int().min(1).max(100).default(DEFAULT_REPORT_TOP_N),
  REPORT_WEEK_START: z.enum(WEEK_START_DAYS).default(DEFAULT_WEEK_START),
});
export type ReportConfig = z.infer<typeof Env>;

export const loadReportConfig = (env: NodeJS.ProcessEnv = process.env): ReportConfig => {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(`reportTopShows environment: ${parsed.error.message}`);
  return parsed.data;
};

const RunEvent = z.object({
  run: z.object({
    runId: RunId,
    bucket: z.string().min(1),
    asOf: z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'asOf must be an ISO date or timestamp'),
    prefixes: z.object({
      report: z.string().refine((prefix) => isStagePrefix(prefix, 'report'), 'not a runs/<runId>/report/ prefix'),
      recommendations: z
        .string()
        .refine((prefix) => isStagePrefix(prefix, 'recommendations'), 'not a runs/<runId>/recommendations/ prefix'),
    }),
  }),
});

export const HttpEvent = z.object({
  requestContext: z.object({
    http: z.object({ method: z.string() }),
    authorizer: z
      .object({ jwt: z.object({ scopes: z.array(z.string()).nullish(), claims: z.record(z.string(), z.unknown()) }) })
      .partial()
      .optional(),
  }),
  queryStringParameters: z.record(z.string(), z.string()).nullish(),
});

export interface ReportDeps {
  config: ReportConfig;
  s3: Pick<S3Client, 'send'>;
  redshift: Pick<RedshiftDataClient, 'send'>;
  /** DescribeStatement poll interval (default 1 s); tests against the local emulation use less. */
  pollMs?: number;
  /** The stage's holdout experiment (EXPERIMENT_*, issue #18), reported when set. */
  experiment?: Experiment;
}

let deps: ReportDeps | undefined;
// Built on first use rather than at import, so a test importing this module needs no environment.
const getDeps = (): ReportDeps => {
  if (!deps) {
    const experiment = experimentFromEnv(process.env);
    deps = {
      config: loadReportConfig(),
      s3: makeS3Client(),
      redshift: new RedshiftDataClient({}),
      ...(experiment ? { experiment } : {}),
    };
  }
  return deps;
};

/** Step Functions `{run}` → writes runs/<runId>/report/report.{json,html}; HTTP GET /reports/top-shows → JSON. */
export const handler = async (event: unknown, context?: Context): Promise<unknown> => {
  if (context) logger.addContext(context);
  if (HttpEvent.safeParse(event).success) return httpReport(HttpEvent.parse(event), getDeps());
  const parsed = RunEvent.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`reportTopShows input: ${parsed.error.message}`, 'run');
  return writeRunReport(parsed.data.run, getDeps(), new Date());
};

/**
 * Loads the run's recommendation exposures, then builds the run's report from Redshift and stores both files.
 * Rerunning replaces the run's exposures (DELETE + COPY in one transaction) and overwrites the files.
 */
export async function writeRunReport(
  run: z.infer<typeof RunEvent>['run'],
  { config, s3, redshift, pollMs, experiment }: ReportDeps,
  now: Date,
): Promise<{ jsonKey: string; htmlKey: string }> {
  logger.appendKeys({ runId: run.runId });
  const target = {
    workgroupName: config.REDSHIFT_WORKGROUP,
    database: config.REDSHIFT_DATABASE,
    ...(config.REDSHIFT_SECRET_ARN ? { secretArn: config.REDSHIFT_SECRET_ARN } : {}),
  };
  const runnerDeps = {
    client: redshift,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    ...(pollMs !== undefined ? { pollMs } : {}),
  };
  if (!config.REDSHIFT_IAM_ROLE_ARN) {
    throw new ConfigError('reportTopShows environment: REDSHIFT_IAM_ROLE_ARN is required to load the exposures');
  }
  const exposuresPrefix = runPrefixes(run.runId).exposures;
  const exposures = await writeExposuresFile(s3, {
    bucket: run.bucket,
    runId: run.runId,
    recommendationsPrefix: run.prefixes.recommendations,
    exposuresPrefix,
    recommendedAt: new Date(run.asOf),
  });
  logger.info('exposures written', { ...exposures });
  const loadSqls = renderLoadExposures({
    bucket: run.bucket,
    runId: run.runId,
    exposuresPrefix,
    iamRoleArn: config.REDSHIFT_IAM_ROLE_ARN,
  });
  await runRedshiftBatch(target, loadSqls, runnerDeps, 'exposures load');
  const { report, html } = await generateReport(redshiftSqlRunner(target, runnerDeps), {
    runId: run.runId,
    asOf: new Date(run.asOf),
    generatedAt: now,
    weeks: config.REPORT_WEEKS,
    topN: config.REPORT_TOP_N,
    weekStartsOn: config.REPORT_WEEK_START,
    ...(experiment ? { experiment } : {}),
  });
  const { json: jsonKey, html: htmlKey } = reportKeys(run.runId);
  await putObject(s3, run.bucket, jsonKey, JSON.stringify(report), 'application/json');
  await putObject(s3, run.bucket, htmlKey, html, 'text/html; charset=utf-8');
  // Last, so GET /reports/top-shows only ever finds complete reports (run-layout: the report index).
  await putObject(s3, run.bucket, reportIndexKey(run.runId), '', 'text/plain');
  logger.info('report written', {
    jsonKey,
    htmlKey,
    topShows: report.topShows.length,
    recommendedViewers: report.recommendations?.recommendedViewers ?? 0,
  });
  return { jsonKey, htmlKey };
}

async function putObject(s3: ReportDeps['s3'], bucket: string, key: string, body: string, contentType: string) {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  } catch (error) {
    throw new RecsError(`could not write s3://${bucket}/${key}: ${(error as Error).message}`, { cause: error });
  }
}

/** `GET /reports/top-shows`: the newest report, filtered; scopes and error bodies as every route reads and writes them. */
export async function httpReport(event: z.infer<typeof HttpEvent>, { config, s3 }: ReportDeps): Promise<HttpResponse> {
  try {
    // The JWT authorizer already demands the scope; checking again keeps a misconfigured route closed.
    const principal = principalFromEvent(event);
    if (!principal) throw new UnauthorizedError('a bearer token is required');
    if (config.REPORTS_SCOPE && !principal.scopes.has(config.REPORTS_SCOPE)) {
      throw new ForbiddenError('the token lacks the reports scope');
    }
    const report = await latestReport(s3, config.BUCKET_NAME);
    if (!report) {
      return jsonResponse(404, {
        error: { code: 'NotFound', message: 'no report has been written yet' },
      } satisfies ErrorBody);
    }
    return jsonResponse(200, filterReport(report, event.queryStringParameters ?? {}));
  } catch (error) {
    if (!isClientError(error)) logger.error('report request failed', { error });
    return errorResponse(error);
  }
}

// The newest report is the last key of the report index (run-layout). Older entries are tried too, in case a run's
// report object expired before its index entry (the retention rule removes both, not necessarily the same day).
async function latestReport(s3: ReportDeps['s3'], bucket: string): Promise<TopShowsReport | null> {
  const runIds: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: REPORT_INDEX_PREFIX, ContinuationToken: token }),
    );
    for (const { Key } of page.Contents ?? []) {
      const runId = Key === undefined ? undefined : runIdOfReportIndexKey(Key);
      if (runId) runIds.push(runId);
    }
    token = page.NextContinuationToken;
  } while (token);
  for (const runId of runIds.sort(compareRunIds).reverse().slice(0, 10)) {
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: reportKeys(runId).json }));
      return JSON.parse(await (object.Body?.transformToString() ?? Promise.resolve('null'))) as TopShowsReport;
    } catch (error) {
      if ((error as { name?: string }).name !== 'NoSuchKey') throw error;
    }
  }
  return null;
}
