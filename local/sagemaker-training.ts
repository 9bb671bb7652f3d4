import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import * as tar from 'tar';
import type { Progress } from './progress.js';
import { getBytes, listAll, parseS3Uri, putObject } from './s3-io.js';
import { type ContainerLauncher, type RunningJob, runTrainContainer } from './sagemaker-container.js';

/**
 * A training job as the player runs it: input channels downloaded under input/data, the config files SageMaker
 * writes, `train` run to its end, metrics scraped from its log by the job's MetricDefinitions, and
 * model/ uploaded as output/model.tar.gz.
 */

type Described = Record<string, unknown>;

export interface TrainingContext extends ContainerLauncher {
  s3: S3Client;
  /** `<workDir>/training/<name>` is the job's /opt/ml. */
  workDir: string;
  progress: Progress;
  /** Called once the input is in place and the container starts (SecondaryStatus Training). */
  onTraining(): void;
}

export const joinUri = (base: string, path: string) => `${base.replace(/\/+$/, '')}/${path}`;

/** Runs the training job to its end; the fields its description gets on success (throws on failure). */
export async function runTrainingJob(
  name: string,
  params: Described,
  started: Date,
  job: RunningJob,
  context: TrainingContext,
): Promise<Described> {
  const work = join(context.workDir, 'training', name);
  rmSync(work, { recursive: true, force: true });
  const algorithm = (params.AlgorithmSpecification ?? {}) as Described;
  const channels = (params.InputDataConfig ?? []) as Described[];
  context.progress.update(`training ${name}`, undefined, 'downloading input');
  for (const channel of channels) {
    const channelName = String(channel.ChannelName);
    const source = ((channel.DataSource as Described | undefined)?.S3DataSource ?? {}) as Described;
    const { bucket, key: prefix } = parseS3Uri(String(source.S3Uri));
    const target = join(work, 'input/data', channelName);
    mkdirSync(target, { recursive: true });
    for (const object of await listAll(context.s3, bucket, prefix)) {
      const path = join(target, relative(prefix.endsWith('/') ? prefix : dirname(prefix), object.Key) || 'data');
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, await getBytes(context.s3, bucket, object.Key));
    }
  }
  mkdirSync(join(work, 'input/config'), { recursive: true });
  mkdirSync(join(work, 'model'), { recursive: true });
  mkdirSync(join(work, 'output/data'), { recursive: true });
  writeFileSync(join(work, 'input/config/hyperparameters.json'), JSON.stringify(params.HyperParameters ?? {}));
  writeFileSync(
    join(work, 'input/config/inputdataconfig.json'),
    JSON.stringify(
      Object.fromEntries(
        channels.map((c) => [c.ChannelName, { ContentType: c.ContentType ?? 'application/jsonlines' }]),
      ),
    ),
  );
  writeFileSync(
    join(work, 'input/config/resourceconfig.json'),
    JSON.stringify({ current_host: 'algo-1', hosts: ['algo-1'] }),
  );
  context.onTraining();

  const definitions = (algorithm.MetricDefinitions ?? []) as { Name: string; Regex: string }[];
  const metrics = new Map<string, number>();
  const { code, logTail } = await runTrainContainer(
    context,
    work,
    (params.Environment ?? {}) as Record<string, string>,
    job,
    (line) => {
      for (const definition of definitions) {
        const match = new RegExp(definition.Regex).exec(line);
        if (match?.[1] !== undefined && Number.isFinite(Number(match[1])))
          metrics.set(definition.Name, Number(match[1]));
      }
      context.progress.update(`training ${name}`, undefined, line.slice(0, 60));
    },
  );
  if (code !== 0) {
    const failurePath = join(work, 'output/failure');
    const reason = existsSync(failurePath) ? readFileSync(failurePath, 'utf8').trim() : logTail;
    throw new Error(`AlgorithmError: ${reason || `train exited with code ${code}`}`);
  }
  const files = readdirSync(join(work, 'model'));
  const archive = join(work, 'output/model.tar.gz');
  await tar.c({ gzip: true, cwd: join(work, 'model'), file: archive, portable: true }, files);
  const modelUri = joinUri(
    String((params.OutputDataConfig as Described | undefined)?.S3OutputPath ?? ''),
    `${name}/output/model.tar.gz`,
  );
  const target = parseS3Uri(modelUri);
  await putObject(context.s3, target.bucket, target.key, readFileSync(archive));
  const ended = new Date();
  const seconds = Math.max(1, Math.round((ended.getTime() - started.getTime()) / 1000));
  return {
    TrainingJobStatus: 'Completed',
    SecondaryStatus: 'Completed',
    ModelArtifacts: { S3ModelArtifacts: modelUri },
    FinalMetricDataList: [...metrics].map(([MetricName, Value]) => ({
      MetricName,
      Value,
      Timestamp: ended.toISOString(),
    })),
    TrainingEndTime: ended.toISOString(),
    LastModifiedTime: ended.toISOString(),
    TrainingTimeInSeconds: seconds,
    BillableTimeInSeconds: seconds,
  };
}
