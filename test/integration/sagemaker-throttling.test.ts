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
let api: RunningStandIn;
let sagemaker: SageMakerClient;

beforeAll(async () => {
  const refuse = () => {
    throw Object.assign(new Error('Rate exceeded'), { name: answer });
  };
  api = await startJsonProtocolServer({
    actions: { DescribeTrainingJob: refuse, CreateTrainingJob: refuse },
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
});
