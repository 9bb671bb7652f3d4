import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type AslState, loadPipeline } from '../local/asl-loader.js';

// Every name a Retry matches must be one the step can really raise (issue #13). This table lists, per Task and
// Map state, each retried name and where it comes from; the tests check the sources themselves where they are on
// disk (our handlers, the pinned AWS SDK models) and that the state machine retries exactly these names.
const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

type Source =
  /** Documented by Step Functions for the integration (URL in the note). */
  | { kind: 'stepFunctionsDoc'; url: string }
  /** An error class our Lambda throws: `new <Class>(` appears in one of these files. */
  | { kind: 'handler'; errorClass: string; files: string[] }
  /** An exception the AWS SDK integration's API declares (`@throws` in the pinned SDK's command model). */
  | { kind: 'sdkThrows'; client: string; command: string; exception: string }
  /** An error common to every AWS API (the service's Common Errors page). */
  | { kind: 'commonError'; url: string };

const LAMBDA_INVOKE: Source = {
  kind: 'stepFunctionsDoc',
  url: 'https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html',
};
const lambdaServiceErrors = {
  'Lambda.ServiceException': LAMBDA_INVOKE,
  'Lambda.AWSLambdaException': LAMBDA_INVOKE,
  'Lambda.SdkClientException': LAMBDA_INVOKE,
  'Lambda.TooManyRequestsException': LAMBDA_INVOKE,
};
const throttled = (...files: string[]): Source => ({ kind: 'handler', errorClass: 'ThrottledError', files });
const redshiftData = (command: string, exception: string): Source => ({
  kind: 'sdkThrows',
  client: '@aws-sdk/client-redshift-data',
  command,
  exception,
});
const COMMON_ERRORS: Source = {
  kind: 'commonError',
  url: 'https://docs.aws.amazon.com/redshift/latest/APIReference/CommonErrors.html',
};
const SAGEMAKER_INTEGRATION: Source = {
  kind: 'stepFunctionsDoc',
  url: 'https://docs.aws.amazon.com/step-functions/latest/dg/connect-sagemaker.html',
};
const MAP_ERRORS: Source = {
  kind: 'stepFunctionsDoc',
  url: 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html',
};

const RETRIED: Record<string, Record<string, Source>> = {
  PrepareRun: lambdaServiceErrors,
  UnloadViewership: {
    'RedshiftData.ActiveSessionsExceededException': redshiftData(
      'BatchExecuteStatement',
      'ActiveSessionsExceededException',
    ),
    'RedshiftData.ActiveStatementsExceededException': redshiftData(
      'BatchExecuteStatement',
      'ActiveStatementsExceededException',
    ),
    'RedshiftData.InternalServerException': redshiftData('BatchExecuteStatement', 'InternalServerException'),
    'RedshiftData.ThrottlingException': COMMON_ERRORS,
  },
  CheckUnload: {
    'RedshiftData.ActiveWaitingRequestsExceededException': redshiftData(
      'DescribeStatement',
      'ActiveWaitingRequestsExceededException',
    ),
    'RedshiftData.InternalServerException': redshiftData('DescribeStatement', 'InternalServerException'),
    'RedshiftData.ThrottlingException': COMMON_ERRORS,
  },
  TrainModel: { ...lambdaServiceErrors, ThrottledError: throttled('functions/sagemaker-job/sagemaker-job.ts') },
  QualityGate: lambdaServiceErrors,
  CreateModel: {
    'SageMaker.AmazonSageMakerException': SAGEMAKER_INTEGRATION,
    // The SDK calls it ResourceLimitExceeded; Step Functions names SDK errors with an Exception suffix.
    'SageMaker.ResourceLimitExceededException': {
      kind: 'sdkThrows',
      client: '@aws-sdk/client-sagemaker',
      command: 'CreateModel',
      exception: 'ResourceLimitExceeded',
    },
  },
  BatchRecommend: { ...lambdaServiceErrors, ThrottledError: throttled('functions/sagemaker-job/sagemaker-job.ts') },
  WriteTopTen: { 'States.ItemReaderFailed': MAP_ERRORS, 'States.ResultWriterFailed': MAP_ERRORS },
  WriteBatch: { ...lambdaServiceErrors, ThrottledError: throttled('functions/write-recs/batch-writer.ts') },
  Publish: lambdaServiceErrors,
  ReportTopShows: { ...lambdaServiceErrors, ThrottledError: throttled('functions/report-top-shows/sql-runner.ts') },
};

const { definition } = loadPipeline({ root });
const workStates = (states: Record<string, AslState>): [string, AslState][] =>
  Object.entries(states).flatMap(([name, state]) => {
    const processor = state.ItemProcessor as { States?: Record<string, AslState> } | undefined;
    const inner = processor?.States ? workStates(processor.States) : [];
    return state.Type === 'Task' || state.Type === 'Map' ? [[name, state] as [string, AslState], ...inner] : inner;
  });
const retriedNames = (state: AslState) =>
  ((state.Retry ?? []) as { ErrorEquals: string[] }[]).flatMap((retrier) => retrier.ErrorEquals);

/** The exceptions a command declares in the pinned SDK's type definitions (generated from the API model). */
function declaredThrows(client: string, command: string): string[] {
  const dir = dirname(require.resolve(`${client}/package.json`));
  const text = readFileSync(join(dir, 'dist-types', 'commands', `${command}Command.d.ts`), 'utf8');
  return [...text.matchAll(/@throws \{@link (\w+)\}/g)].map((match) => match[1] as string);
}

describe('Retry error names', () => {
  it('lists every Task and Map state, and each retries exactly the names in the table', () => {
    const states = workStates(definition.States);
    expect(states.map(([name]) => name).sort()).toEqual(Object.keys(RETRIED).sort());
    for (const [name, state] of states) {
      expect(retriedNames(state).sort(), name).toEqual(Object.keys(RETRIED[name] ?? {}).sort());
    }
  });

  it('never retries States.ALL or a catch-all task failure', () => {
    const names = workStates(definition.States).flatMap(([, state]) => retriedNames(state));
    expect(names).not.toContain('States.ALL');
    expect(names).not.toContain('States.TaskFailed');
  });

  it.each(Object.entries(RETRIED))('%s: each retried name comes from where the table says', (_state, names) => {
    for (const [name, source] of Object.entries(names)) {
      if (source.kind === 'handler') {
        const thrown = source.files.some((file) =>
          readFileSync(join(root, file), 'utf8').includes(`new ${source.errorClass}(`),
        );
        expect(thrown, `${name}: thrown in ${source.files.join(', ')}`).toBe(true);
        expect(name).toBe(source.errorClass);
      } else if (source.kind === 'sdkThrows') {
        expect(declaredThrows(source.client, source.command), name).toContain(source.exception);
        expect(
          name.endsWith(source.exception.endsWith('Exception') ? source.exception : `${source.exception}Exception`),
        ).toBe(true);
      } else if (source.kind === 'commonError') {
        expect(name).toMatch(/\.ThrottlingException$/);
      } else {
        expect(source.url, name).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/step-functions\//);
      }
    }
  });
});
