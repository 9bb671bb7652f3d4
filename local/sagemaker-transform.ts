import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import * as tar from 'tar';
import type { Progress } from './progress.js';
import { getBytes, getText, listAll, parseS3Uri, putObject } from './s3-io.js';
import {
  type ContainerLauncher,
  containerDied,
  freePort,
  type RunningJob,
  startServeContainer,
  waitForPing,
} from './sagemaker-container.js';
import { joinUri } from './sagemaker-training.js';

/**
 * A batch transform job as the player runs it: `serve` started on a free port, each input object split and
 * mini-batched as SageMaker does, POSTed to /invocations by MaxConcurrentTransforms workers, and the answers
 * written to `<S3OutputPath>/<relative key>.out`.
 */

type Described = Record<string, unknown>;

export interface TransformContext extends ContainerLauncher {
  s3: S3Client;
  /** `<workDir>/transform/<name>` holds the unpacked model. */
  workDir: string;
  progress: Progress;
  /** Records per POST /invocations besides MaxPayloadInMB (finer progress); SageMaker itself only caps bytes. */
  maxRecordsPerRequest?: number;
  pingTimeoutMs?: number;
}

/** Runs `serve` and streams every input object through /invocations. */
export async function runTransformJob(
  name: string,
  params: Described,
  model: Described,
  job: RunningJob,
  context: TransformContext,
): Promise<Described> {
  const work = join(context.workDir, 'transform', name);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'model'), { recursive: true });
  try {
    const container = (model.PrimaryContainer ?? {}) as Described;
    const modelUri = parseS3Uri(String(container.ModelDataUrl));
    const archive = join(work, 'model.tar.gz');
    writeFileSync(archive, await getBytes(context.s3, modelUri.bucket, modelUri.key));
    await tar.x({ file: archive, cwd: join(work, 'model') });

    const input = (params.TransformInput ?? {}) as Described;
    const output = (params.TransformOutput ?? {}) as Described;
    const source = ((input.DataSource as Described | undefined)?.S3DataSource ?? {}) as Described;
    const { bucket, key: prefix } = parseS3Uri(String(source.S3Uri));
    const objects = (await listAll(context.s3, bucket, prefix)).filter((o) => !o.Key.endsWith('/'));
    const maxPayloadBytes = Number(params.MaxPayloadInMB ?? 6) * 1024 * 1024;
    const maxRecords = params.BatchStrategy === 'SingleRecord' ? 1 : (context.maxRecordsPerRequest ?? 1000);
    const concurrency = Math.max(1, Number(params.MaxConcurrentTransforms ?? 1));
    // ModelClientConfig, with SageMaker's defaults: each invocation times out and is retried as configured.
    const client = (params.ModelClientConfig ?? {}) as Described;
    const invocation = {
      timeoutMs: Number(client.InvocationsTimeoutInSeconds ?? 600) * 1000,
      maxRetries: Number(client.InvocationsMaxRetries ?? 3),
    };
    const contentType = String(input.ContentType ?? 'application/jsonlines');
    const accept = String(output.Accept ?? contentType);
    const assemble = output.AssembleWith === 'Line' ? '\n' : '';

    const port = await freePort();
    const env = {
      ...((container.Environment ?? {}) as Record<string, string>),
      ...((params.Environment ?? {}) as Record<string, string>),
      SAGEMAKER_BIND_TO_PORT: String(port),
      SAGEMAKER_BATCH: 'true',
      SAGEMAKER_MAX_PAYLOAD_IN_MB: String(params.MaxPayloadInMB ?? 6),
      SAGEMAKER_BATCH_STRATEGY: String(params.BatchStrategy ?? 'MultiRecord'),
      SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: String(concurrency),
    };
    const served = startServeContainer(context, work, env);
    job.child = served.child;
    if (job.stopping) served.child.kill('SIGTERM');
    await waitForPing(port, served.exited, context.pingTimeoutMs ?? 120_000);

    const texts = await Promise.all(objects.map((o) => getText(context.s3, bucket, o.Key)));
    const batchesPerObject = texts.map((text) =>
      miniBatches(splitRecords(text, input.SplitType), maxPayloadBytes, maxRecords),
    );
    const total = batchesPerObject.reduce((sum, batches) => sum + batches.length, 0);
    let done = 0;
    for (const [index, object] of objects.entries()) {
      const batches = batchesPerObject[index] ?? [];
      const answers: string[] = new Array(batches.length);
      let next = 0;
      const worker = async () => {
        while (next < batches.length) {
          const mine = next++;
          answers[mine] = await invoke(port, batches[mine] ?? [], contentType, accept, assemble, invocation);
          done++;
          context.progress.update(`transform ${name}`, total ? done / total : 1, `${done}/${total} requests`);
        }
      };
      await Promise.race([Promise.all(Array.from({ length: concurrency }, worker)), served.exited.then(containerDied)]);
      const relativeKey =
        prefix.endsWith('/') || prefix === '' ? object.Key.slice(prefix.length) : object.Key.split('/').at(-1);
      const outUri = parseS3Uri(joinUri(String(output.S3OutputPath), `${relativeKey}.out`));
      const body = answers.filter((a) => a.length > 0).join(assemble);
      await putObject(
        context.s3,
        outUri.bucket,
        outUri.key,
        body && assemble && !body.endsWith(assemble) ? `${body}${assemble}` : body,
      );
    }
    const ended = new Date();
    return {
      TransformJobStatus: 'Completed',
      TransformEndTime: ended.toISOString(),
      LastModifiedTime: ended.toISOString(),
    };
  } catch (error) {
    throw new Error(`ClientError: ${(error as Error).message}`, { cause: error });
  } finally {
    job.child?.kill('SIGTERM');
  }
}

function splitRecords(text: string, splitType: unknown): string[] {
  if (splitType !== 'Line') return text.length ? [text] : [];
  return text.split('\n').filter((line) => line.trim().length > 0);
}

/** MultiRecord batching: as many records as fit the payload limit (and the local record cap). */
export function miniBatches(records: readonly string[], maxPayloadBytes: number, maxRecords: number): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = Buffer.byteLength(record) + 1;
    if (current.length > 0 && (bytes + size > maxPayloadBytes || current.length >= maxRecords)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** One mini-batch through /invocations, timed out and retried as the job's ModelClientConfig says. */
async function invoke(
  port: number,
  records: string[],
  contentType: string,
  accept: string,
  assemble: string,
  client: { timeoutMs: number; maxRetries: number },
): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/invocations`, {
        method: 'POST',
        headers: { 'content-type': contentType, accept },
        body: records.join(assemble || '\n'),
        signal: AbortSignal.timeout(client.timeoutMs),
      });
      const body = await response.text();
      if (!response.ok) throw new Error(`/invocations answered ${response.status}: ${body.slice(0, 300)}`);
      return body.replace(/\n+$/, '');
    } catch (error) {
      if (attempt >= client.maxRetries) {
        const isTimeout = error instanceof Error && error.name === 'TimeoutError';
        throw isTimeout
          ? new Error(`/invocations did not answer within ${client.timeoutMs / 1000} s (InvocationsTimeoutInSeconds)`)
          : error;
      }
    }
  }
}
