import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThrottledError } from '../../functions/_shared/errors.js';
import { ensureSageMakerJob, SageMakerRequestError } from '../../functions/sagemaker-job/sagemaker-job.js';
import { type RunningStandIn, startJsonProtocolServer } from '../../local/standins/json-protocol.js';

/**
 * The sageMakerJob function's error mapping against a SageMaker API that answers every call with one error code:
 * a throttle or a service fault becomes ThrottledError (the ASL retries it), anything else SageMakerRequestError.
 */

let answer = 'ThrottlingException';
/** What CreateTrainingJob answers; Describe answers `answer` (a job not found lets the function go on to Create). */
let createAnswer = 'ThrottlingException';
/** Set while a test wants the API to hold its answer (the client's timeout fires first); called to release it. */
let release: (() => void) | undefined;
let api: RunningStandIn;
let sagemaker: SageMakerClient;

beforeAll(async () => {
  const refuseWith = (name: () => string, message: string) => async () => {
    if (release) await new Promise<void>((resolve) => (release = resolve));
    throw Object.assign(new Error(message), { name: name() });
  };
  api = await startJsonProtocolServer({
    actions: {
      DescribeTrainingJob: refuseWith(() => answer, 'Could not find requested job with name throttled-train-r0'),
      CreateTrainingJob: refuseWith(() => createAnswer, 'Rate exceeded'),
    },
    timestampKey: /Time$/,
  });
  // One attempt: the SDK's own retries would hide the code from the function (the ASL Retry is the backoff).
  sagemaker = new SageMakerClient({
    region: 'us-east-1',
    endpoint: api.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sagemaker?.destroy();
  await api?.stop();
});

const event = {
  kind: 'training' as const,
  jobBaseName: 'throttled',
  redriveCount: 0,
  maxWaitSeconds: 600,
  request: { AlgorithmSpecification: {}, RoleArn: 'arn:aws:iam::000000000000:role/x', OutputDataConfig: {} },
};

describe('sageMakerJob error mapping', () => {
  it.each([
    ['ThrottlingException', ThrottledError],
    ['InternalFailure', ThrottledError],
    ['ServiceUnavailable', ThrottledError],
    ['AccessDeniedException', SageMakerRequestError],
  ])('maps %s to %o', async (code, expected) => {
    answer = code;
    const error = await ensureSageMakerJob(event, { sagemaker, now: () => new Date() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(expected);
    expect(String((error as Error).message)).toContain(code);
  });

  it.each([
    ['ThrottlingException', ThrottledError],
    ['ServiceUnavailable', ThrottledError],
    ['ResourceLimitExceeded', SageMakerRequestError],
    ['ValidationException', SageMakerRequestError],
  ])('maps %s from CreateTrainingJob (after Describe found no job) to %o', async (code, expected) => {
    answer = 'ValidationException';
    createAnswer = code;

    const error = await ensureSageMakerJob(event, { sagemaker, now: () => new Date() }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(expected);
    expect((error as Error).message).toBe(`creating training job throttled-train-r0: ${code}: Rate exceeded`);
    expect((error as Error).cause).toMatchObject({ name: code });
  });

  it('maps a call that timed out on the client to ThrottledError', async () => {
    // Prepare: the API holds its answer; the client gives up after 50 ms.
    release = () => {};
    const impatient = new SageMakerClient({
      region: 'us-east-1',
      endpoint: api.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: { requestTimeout: 50, throwOnRequestTimeout: true },
    });

    try {
      // Act
      const error = await ensureSageMakerJob(event, { sagemaker: impatient, now: () => new Date() }).catch(
        (e: unknown) => e,
      );

      // Assess
      expect(error).toBeInstanceOf(ThrottledError);
      expect((error as Error).message).toMatch(/^describing training job throttled-train-r0: TimeoutError: /);
    } finally {
      release?.();
      release = undefined;
      impatient.destroy();
    }
  });
});
