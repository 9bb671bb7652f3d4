import {
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
  CreateTransformJobCommand,
  type CreateTransformJobCommandInput,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  type SageMakerClient,
  StopTrainingJobCommand,
  StopTransformJobCommand,
} from '@aws-sdk/client-sagemaker';
import { z } from 'zod';
import { InvalidInputError, RecsError, ThrottledError } from '../_shared/errors.js';

/**
 * TrainModel and BatchRecommend: make sure this run has a training (or transform) job, reusing one that an
 * earlier attempt of the same execution started, and report its status; the state machine's Wait loop polls
 * until it is Completed. It replaces the `.sync` integrations because they always create a job: a `.sync`
 * Task that failed while its job ran on (a timed-out poll, an error after CreateTrainingJob) would make the
 * redrive start a second, identical job.
 *
 * Jobs are named `<jobBaseName>-<train|recs>-r<RedriveCount>`: SageMaker refuses a reused name, and the
 * count tells attempts apart. Each invocation describes before it creates:
 *  - this attempt's job exists: Completed → done; InProgress/Stopping → wait; Failed/Stopped → fail the Task
 *    (the next redrive, one count higher, starts a fresh job);
 *  - else an earlier attempt's job Completed → reuse it; one still running → wait for it;
 *  - else (none, or only failed ones) → create this attempt's job.
 */

export const JOB_KINDS = ['training', 'transform'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const SageMakerJobEvent = z.object({
  kind: z.enum(JOB_KINDS),
  jobBaseName: z.string().regex(/^[a-z0-9](-?[a-z0-9])*$/, 'lower-case letters, digits and single hyphens'),
  redriveCount: z.number().int().min(0),
  /** An InProgress job older than this is stopped and the Task fails (training also has MaxRuntimeInSeconds). */
  maxWaitSeconds: z.number().int().positive(),
  /** The Create*Job request without its name, as the state machine writes it. */
  request: z.record(z.string(), z.unknown()),
});
export type SageMakerJobEvent = z.infer<typeof SageMakerJobEvent>;

export interface Metric {
  MetricName: string;
  Value: number;
}

/** The Task's result. Every field is always present (null when unknown) so the ASL can select them all. */
export interface JobReport {
  jobName: string;
  status: 'InProgress' | 'Completed';
  /** What this invocation did: started the job, found it still running, or found it finished. */
  action: 'created' | 'waiting' | 'completed';
  /** Whether the job was started by an earlier attempt (redrive count) than this one. */
  reused: boolean;
  modelArtifacts: string | null;
  metrics: Metric[] | null;
}

/** The job failed or was stopped in this attempt; a redrive starts a fresh one. */
export class SageMakerJobFailedError extends RecsError {
  override name = 'SageMakerJobFailed';
}

/** The job ran past the state's budget and was stopped; a redrive starts a fresh one. */
export class SageMakerJobTimedOutError extends RecsError {
  override name = 'SageMakerJobTimedOut';
}

/** SageMaker refused a request (validation, access, quota): not retried, the Task fails with the reason. */
export class SageMakerRequestError extends RecsError {
  override name = 'SageMakerRequestError';
}

// Errors worth another try a little later; the state machine retries the Task on ThrottledError.
const TRANSIENT = new Set(['ThrottlingException', 'InternalFailure', 'ServiceUnavailable', 'TimeoutError']);

/** What callers see of a failed SageMaker call: ours, named for what the state machine should do with it. */
function sageMakerFailure(what: string, error: unknown): Error {
  const err = error as Error & { $retryable?: unknown };
  const message = `${what}: ${err.name}: ${err.message}`;
  if (TRANSIENT.has(err.name) || err.$retryable) return new ThrottledError(message, { cause: error });
  return new SageMakerRequestError(message, { cause: error });
}

interface Described {
  status: string;
  failureReason?: string;
  creationTime?: Date;
  modelArtifacts?: string;
  metrics?: Metric[];
}

interface KindApi {
  suffix: string;
  describe(client: SageMakerClient, name: string): Promise<Described>;
  create(client: SageMakerClient, name: string, request: Record<string, unknown>): Promise<unknown>;
  stop(client: SageMakerClient, name: string): Promise<unknown>;
}

const API: Record<JobKind, KindApi> = {
  training: {
    suffix: 'train',
    async describe(client, name) {
      const job = await client.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
      return {
        status: job.TrainingJobStatus ?? 'InProgress',
        failureReason: job.FailureReason,
        creationTime: job.CreationTime,
        modelArtifacts: job.ModelArtifacts?.S3ModelArtifacts,
        metrics: (job.FinalMetricDataList ?? []).map((m) => ({
          MetricName: String(m.MetricName),
          Value: Number(m.Value),
        })),
      };
    },
    create: (client, name, request) =>
      client.send(
        new CreateTrainingJobCommand({
          ...(request as unknown as CreateTrainingJobCommandInput),
          TrainingJobName: name,
        }),
      ),
    stop: (client, name) => client.send(new StopTrainingJobCommand({ TrainingJobName: name })),
  },
  transform: {
    suffix: 'recs',
    async describe(client, name) {
      const job = await client.send(new DescribeTransformJobCommand({ TransformJobName: name }));
      return {
        status: job.TransformJobStatus ?? 'InProgress',
        failureReason: job.FailureReason,
        creationTime: job.CreationTime,
      };
    },
    create: (client, name, request) =>
      client.send(
        new CreateTransformJobCommand({
          ...(request as unknown as CreateTransformJobCommandInput),
          TransformJobName: name,
        }),
      ),
    stop: (client, name) => client.send(new StopTransformJobCommand({ TransformJobName: name })),
  },
};

const RUNNING = new Set(['InProgress', 'Stopping']);
const MAX_JOB_NAME_CHARS = 63;

export const jobName = (kind: JobKind, jobBaseName: string, redriveCount: number): string =>
  `${jobBaseName}-${API[kind].suffix}-r${redriveCount}`;

/** SageMaker answers an unknown training job with a ValidationException, not the ResourceNotFound it models. */
function isNotFound(error: unknown): boolean {
  const { name, message } = error as Error;
  return name === 'ResourceNotFound' || (name === 'ValidationException' && /not found|could not find/i.test(message));
}

async function describeIfExists(client: SageMakerClient, kind: JobKind, name: string): Promise<Described | undefined> {
  try {
    return await API[kind].describe(client, name);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw sageMakerFailure(`describing ${kind} job ${name}`, error);
  }
}

export interface SageMakerJobDeps {
  sagemaker: SageMakerClient;
  now: () => Date;
}

export async function ensureSageMakerJob(event: SageMakerJobEvent, deps: SageMakerJobDeps): Promise<JobReport> {
  const { kind, jobBaseName, redriveCount } = event;
  const client = deps.sagemaker;
  const current = jobName(kind, jobBaseName, redriveCount);
  if (current.length > MAX_JOB_NAME_CHARS) {
    throw new InvalidInputError(`job name ${current} is longer than ${MAX_JOB_NAME_CHARS} characters`, 'jobBaseName');
  }
  for (const key of ['TrainingJobName', 'TransformJobName']) {
    if (key in event.request) throw new InvalidInputError(`request.${key}: the function names the job`, 'request');
  }

  const report = (name: string, job: Described, action: JobReport['action']): JobReport => ({
    jobName: name,
    status: job.status === 'Completed' ? 'Completed' : 'InProgress',
    action,
    reused: name !== current,
    modelArtifacts: job.modelArtifacts ?? null,
    metrics: job.metrics ?? null,
  });

  const follow = async (name: string, job: Described): Promise<JobReport> => {
    if (job.status === 'Completed') return report(name, job, 'completed');
    if (RUNNING.has(job.status)) {
      const ageSeconds = job.creationTime ? (deps.now().getTime() - job.creationTime.getTime()) / 1000 : 0;
      if (job.status === 'InProgress' && ageSeconds > event.maxWaitSeconds) {
        await API[kind].stop(client, name).catch((error: unknown) => {
          throw sageMakerFailure(`stopping ${kind} job ${name}`, error);
        });
        throw new SageMakerJobTimedOutError(
          `${kind} job ${name} ran ${Math.round(ageSeconds)} s, past the ${event.maxWaitSeconds} s budget; it was stopped`,
        );
      }
      return report(name, job, 'waiting');
    }
    throw new SageMakerJobFailedError(
      `${kind} job ${name} ${job.status}${job.failureReason ? `: ${job.failureReason}` : ''}`,
    );
  };

  // This attempt's job first: on a poll it is the only Describe.
  const mine = await describeIfExists(client, kind, current);
  if (mine) return follow(current, mine);

  // Earlier attempts of this execution, newest first: a finished or running one is reused, not repeated.
  for (let count = redriveCount - 1; count >= 0; count--) {
    const name = jobName(kind, jobBaseName, count);
    const earlier = await describeIfExists(client, kind, name);
    if (earlier && (earlier.status === 'Completed' || RUNNING.has(earlier.status))) return follow(name, earlier);
  }

  try {
    await API[kind].create(client, current, event.request);
  } catch (error) {
    // A retried invocation whose first try created the job (then timed out) finds it here.
    if ((error as Error).name !== 'ResourceInUse') throw sageMakerFailure(`creating ${kind} job ${current}`, error);
  }
  const created = await describeIfExists(client, kind, current);
  return created
    ? { ...(await follow(current, created)), action: 'created' }
    : report(current, { status: 'InProgress' }, 'created');
}
