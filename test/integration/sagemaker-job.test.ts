import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../functions/_shared/errors.js';
import {
  ensureSageMakerJob,
  type JobReport,
  type SageMakerJobEvent,
  SageMakerJobFailedError,
  SageMakerJobTimedOutError,
  SageMakerRequestError,
} from '../../functions/sagemaker-job/sagemaker-job.js';
import { getText } from '../../local/s3-io.js';
import { startSageMakerApiServer } from '../../local/sagemaker-api.js';
import { SageMakerPlayer } from '../../local/sagemaker-player.js';
import type { RunningStandIn } from '../../local/standins/s3.js';
import { type AwsStandIns, startAwsStandIns } from '../support/aws-standins.js';

// The TrainModel / BatchRecommend function against the local SageMaker API (HTTP, the real SDK client) and
// player, with a tiny container whose behaviour each test picks: describe before create, reuse, never twice.
const fakeContainer = fileURLToPath(new URL('../support/fake-container.mjs', import.meta.url));

let aws: AwsStandIns;
let workDir: string;
let player: SageMakerPlayer;
let api: RunningStandIn;
let sagemaker: SageMakerClient;

beforeAll(async () => {
  aws = await startAwsStandIns({ bucket: 'jobs' });
  await aws.putText('runs/r/viewership/part-0', '{"viewerId":"v1"}\n');
  await aws.putText('runs/r/transform-input/part-0', 'v1\nv2\n');
  workDir = mkdtempSync(join(tmpdir(), 'recs-sagemaker-'));
  player = new SageMakerPlayer({
    s3: aws.s3,
    workDir,
    container: (mode) => ({ command: process.execPath, args: [fakeContainer, mode] }),
  });
  api = await startSageMakerApiServer(player);
  sagemaker = new SageMakerClient({
    region: 'us-east-1',
    endpoint: api.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  await player?.settle();
  sagemaker?.destroy();
  await api?.stop();
  await aws?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const trainingRequest = (behaviour: 'ok' | 'fail' | 'hang') => ({
  RoleArn: 'arn:aws:iam::000000000000:role/sagemaker',
  AlgorithmSpecification: {
    TrainingImage: 'recs:local',
    TrainingInputMode: 'File',
    MetricDefinitions: [{ Name: 'validation:ndcg@10', Regex: 'validation:ndcg@10=([0-9.]+)' }],
  },
  HyperParameters: { behaviour },
  InputDataConfig: [
    {
      ChannelName: 'viewership',
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://jobs/runs/r/viewership/' } },
    },
  ],
  OutputDataConfig: { S3OutputPath: 's3://jobs/runs/r/model/' },
  ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 1 },
  StoppingCondition: { MaxRuntimeInSeconds: 600 },
});

const training = (
  jobBaseName: string,
  redriveCount: number,
  behaviour: 'ok' | 'fail' | 'hang' = 'ok',
): SageMakerJobEvent => ({
  kind: 'training',
  jobBaseName,
  redriveCount,
  maxWaitSeconds: 600,
  request: trainingRequest(behaviour),
});

const deps = () => ({ sagemaker, now: () => new Date() });

/**
 * What the state machine's Wait loop does: call until Completed (or the call throws). Between polls it waits for the
 * player's jobs to end rather than for a clock, so a slow machine changes nothing but the duration.
 */
async function untilCompleted(event: SageMakerJobEvent): Promise<JobReport[]> {
  const reports: JobReport[] = [];
  for (let poll = 0; poll < 10; poll++) {
    const report = await ensureSageMakerJob(event, deps());
    reports.push(report);
    if (report.status === 'Completed') return reports;
    await player.settle();
  }
  throw new Error(`job never completed: ${JSON.stringify(reports.at(-1))}`);
}

const jobsNamed = (prefix: string, kind: 'trainingJobs' | 'transformJobs' = 'trainingJobs') =>
  Object.keys(player.registry()[kind])
    .filter((name) => name.startsWith(prefix))
    .sort();

describe('sageMakerJob: describe before create', () => {
  it('creates the job once, polls it, and reports its artifacts and metrics', async () => {
    const reports = await untilCompleted(training('fresh', 0));

    expect(reports[0]).toMatchObject({ jobName: 'fresh-train-r0', action: 'created', reused: false });
    expect(reports.slice(1).every((r) => r.action !== 'created')).toBe(true);
    expect(reports.at(-1)).toMatchObject({
      status: 'Completed',
      action: 'completed',
      modelArtifacts: 's3://jobs/runs/r/model/fresh-train-r0/output/model.tar.gz',
      metrics: [{ MetricName: 'validation:ndcg@10', Value: 0.41 }],
    });
    expect(jobsNamed('fresh-')).toEqual(['fresh-train-r0']);
  });

  it('reuses a job an earlier attempt completed instead of starting another', async () => {
    await untilCompleted(training('done', 0));

    const report = await ensureSageMakerJob(training('done', 2), deps());

    expect(report).toMatchObject({ jobName: 'done-train-r0', status: 'Completed', reused: true });
    expect(jobsNamed('done-')).toEqual(['done-train-r0']);
  });

  it('waits for a job an earlier attempt left running', async () => {
    await ensureSageMakerJob(training('running', 0, 'hang'), deps());

    const report = await ensureSageMakerJob(training('running', 1, 'hang'), deps());

    expect(report).toMatchObject({
      jobName: 'running-train-r0',
      status: 'InProgress',
      action: 'waiting',
      reused: true,
    });
    expect(jobsNamed('running-')).toEqual(['running-train-r0']);
    player.stopTrainingJob({ TrainingJobName: 'running-train-r0' });
  });

  it('fails the Task when this attempt’s job failed, and the next redrive starts a fresh job', async () => {
    const failing = training('broken', 0, 'fail');
    await ensureSageMakerJob(failing, deps());
    await player.settle();

    await expect(ensureSageMakerJob(failing, deps())).rejects.toThrow(SageMakerJobFailedError);
    await expect(ensureSageMakerJob(failing, deps())).rejects.toThrow(
      /broken-train-r0 Failed: AlgorithmError: ValueError: too few viewers/,
    );
    const redriven = await ensureSageMakerJob(training('broken', 1, 'ok'), deps());

    expect(redriven).toMatchObject({ jobName: 'broken-train-r1', action: 'created', reused: false });
    expect(jobsNamed('broken-')).toEqual(['broken-train-r0', 'broken-train-r1']);
  });

  it('stops a job that outran its budget and fails the Task; a redrive starts a fresh one', async () => {
    await ensureSageMakerJob(training('slow', 0, 'hang'), deps());
    const later = () => new Date(Date.now() + 3_600_000);

    await expect(ensureSageMakerJob(training('slow', 0, 'hang'), { sagemaker, now: later })).rejects.toThrow(
      SageMakerJobTimedOutError,
    );
    await player.settle();
    expect(player.describeTrainingJob({ TrainingJobName: 'slow-train-r0' }).TrainingJobStatus).toBe('Stopped');
    const redriven = await ensureSageMakerJob(training('slow', 1, 'ok'), deps());
    expect(redriven).toMatchObject({ jobName: 'slow-train-r1', action: 'created' });
  });

  it('does not wait for a job whose local process died: it is Failed, and a redrive starts afresh', async () => {
    // Prepare: a registry entry owned by a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const registryPath = join(workDir, 'registry.json');
    const registry = JSON.parse(readFileSync(registryPath, 'utf8'));
    registry.trainingJobs['orphan-train-r0'] = {
      TrainingJobName: 'orphan-train-r0',
      TrainingJobStatus: 'InProgress',
      LocalOwnerPid: dead,
    };
    writeFileSync(registryPath, JSON.stringify(registry));

    // Act
    const stale = ensureSageMakerJob(training('orphan', 0), deps());
    await expect(stale).rejects.toThrow(/exited before it finished/);
    const redriven = await ensureSageMakerJob(training('orphan', 1), deps());

    // Assess
    expect(redriven).toMatchObject({ jobName: 'orphan-train-r1', action: 'created' });
  });

  it('runs and reuses a transform job the same way', async () => {
    const trained = (await untilCompleted(training('recs', 0))).at(-1);
    player.createModel({ ModelName: 'recs-model-r0', PrimaryContainer: { ModelDataUrl: trained?.modelArtifacts } });
    const transform = (redriveCount: number): SageMakerJobEvent => ({
      kind: 'transform',
      jobBaseName: 'recs',
      redriveCount,
      maxWaitSeconds: 600,
      request: {
        ModelName: 'recs-model-r0',
        TransformInput: {
          SplitType: 'Line',
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://jobs/runs/r/transform-input/' } },
        },
        TransformOutput: { S3OutputPath: 's3://jobs/runs/r/recommendations/', AssembleWith: 'Line' },
        TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      },
    });

    const reports = await untilCompleted(transform(0));
    const reused = await ensureSageMakerJob(transform(1), deps());

    expect(reports[0]).toMatchObject({ jobName: 'recs-recs-r0', action: 'created' });
    expect(reused).toMatchObject({ jobName: 'recs-recs-r0', status: 'Completed', reused: true });
    expect(jobsNamed('recs-', 'transformJobs')).toEqual(['recs-recs-r0']);
  });

  it('times an invocation out after InvocationsTimeoutInSeconds and retries it InvocationsMaxRetries times', async () => {
    // Prepare: a model, and a transform whose container never answers its first `stalls` invocations.
    const trained = (await untilCompleted(training('client', 0))).at(-1);
    player.createModel({ ModelName: 'client-model-r0', PrimaryContainer: { ModelDataUrl: trained?.modelArtifacts } });
    const transform = (jobBaseName: string, stalls: number): SageMakerJobEvent => ({
      kind: 'transform',
      jobBaseName,
      redriveCount: 0,
      maxWaitSeconds: 600,
      request: {
        ModelName: 'client-model-r0',
        MaxPayloadInMB: 1,
        ModelClientConfig: { InvocationsTimeoutInSeconds: 1, InvocationsMaxRetries: 1 },
        Environment: { FAKE_SERVE_STALLS: String(stalls) },
        TransformInput: {
          SplitType: 'Line',
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://jobs/runs/r/transform-input/' } },
        },
        TransformOutput: { S3OutputPath: `s3://jobs/runs/r/${jobBaseName}/`, AssembleWith: 'Line' },
        TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      },
    });

    // Act: one stall is absorbed by the one retry; two are not.
    const retried = (await untilCompleted(transform('onestall', 1))).at(-1);
    const failed = await untilCompleted(transform('twostalls', 2)).catch((e: Error) => e);

    // Assess
    expect(retried).toMatchObject({ status: 'Completed' });
    expect(await getText(aws.s3, 'jobs', 'runs/r/onestall/part-0.out')).toBe('V1\nV2\n');
    expect(failed).toBeInstanceOf(SageMakerJobFailedError);
    expect((failed as Error).message).toMatch(/did not answer within 1 s \(InvocationsTimeoutInSeconds\)/);
  });

  it('fails with SageMaker’s reason, not retried, when SageMaker refuses the request', async () => {
    const noModel: SageMakerJobEvent = {
      kind: 'transform',
      jobBaseName: 'nomodel',
      redriveCount: 0,
      maxWaitSeconds: 600,
      request: { ModelName: 'no-such-model', TransformInput: {}, TransformOutput: {}, TransformResources: {} },
    };

    const error = await ensureSageMakerJob(noModel, deps()).catch((e: Error) => e);

    expect(error).toBeInstanceOf(SageMakerRequestError);
    expect((error as Error).message).toMatch(
      /creating transform job nomodel-recs-r0: ValidationException: Could not find model/,
    );
  });

  it('refuses a request that names the job, or a name SageMaker would refuse', async () => {
    const named = { ...training('x', 0), request: { ...trainingRequest('ok'), TrainingJobName: 'mine' } };
    await expect(ensureSageMakerJob(named, deps())).rejects.toThrow(InvalidInputError);
    await expect(ensureSageMakerJob(training('a'.repeat(60), 0), deps())).rejects.toThrow(/longer than 63/);
  });
});
