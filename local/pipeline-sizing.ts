import { join } from 'node:path';
import { z } from 'zod';
import { loadPipeline, SERVERLESS_PATH } from './asl-loader.js';
import { LocalSetupError } from './errors.js';
import { readYaml } from './serverless-refs.js';

/**
 * The sizing the pipeline really asks AWS for, read from the resolved ASL (stage params applied), so benches and
 * `recs plan` measure and price exactly what a run would request, never a copy of it.
 */
const Sizing = z.object({
  training: z.object({
    InstanceType: z.string(),
    InstanceCount: z.number().int().positive(),
    maxWaitSeconds: z.number().int().positive(),
  }),
  transform: z.object({
    InstanceType: z.string(),
    InstanceCount: z.number().int().positive(),
    MaxPayloadInMB: z.number().int().min(1).max(100),
    MaxConcurrentTransforms: z.number().int().min(1),
    InvocationsTimeoutInSeconds: z.number().int().min(1).max(3600),
    InvocationsMaxRetries: z.number().int().min(0).max(3),
    maxWaitSeconds: z.number().int().positive(),
  }),
  fanout: z.object({
    MaxConcurrency: z.number().int().min(0),
    MaxItemsPerBatch: z.number().int().positive(),
    writerMemoryMb: z.number().int().positive(),
    ttlDays: z.coerce.number().int().positive(),
  }),
});
export type PipelineSizing = z.infer<typeof Sizing>;

const at = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);

/** Instance types and counts, transform request sizing, fan-out concurrency and writer memory of the pipeline under `root`. */
export function readPipelineSizing(root: string): PipelineSizing {
  const states = loadPipeline({ root }).definition.States;
  const serverless = readYaml(join(root, SERVERLESS_PATH));
  const train = at(states, 'TrainModel.Parameters.Payload');
  const transform = at(states, 'BatchRecommend.Parameters.Payload');
  const parsed = Sizing.safeParse({
    training: {
      InstanceType: at(train, 'request.ResourceConfig.InstanceType'),
      InstanceCount: at(train, 'request.ResourceConfig.InstanceCount'),
      maxWaitSeconds: at(train, 'maxWaitSeconds'),
    },
    transform: {
      InstanceType: at(transform, 'request.TransformResources.InstanceType'),
      InstanceCount: at(transform, 'request.TransformResources.InstanceCount'),
      MaxPayloadInMB: at(transform, 'request.MaxPayloadInMB'),
      MaxConcurrentTransforms: at(transform, 'request.MaxConcurrentTransforms'),
      InvocationsTimeoutInSeconds: at(transform, 'request.ModelClientConfig.InvocationsTimeoutInSeconds'),
      InvocationsMaxRetries: at(transform, 'request.ModelClientConfig.InvocationsMaxRetries'),
      maxWaitSeconds: at(transform, 'maxWaitSeconds'),
    },
    fanout: {
      MaxConcurrency: at(states, 'WriteTopTen.MaxConcurrency'),
      MaxItemsPerBatch: at(states, 'WriteTopTen.ItemBatcher.MaxItemsPerBatch'),
      writerMemoryMb: at(serverless, 'functions.writeRecs.memorySize'),
      ttlDays: at(serverless, 'params.default.ttlDays'),
    },
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LocalSetupError(`pipeline sizing: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const { transform: t } = parsed.data;
  // CreateTransformJob refuses MaxConcurrentTransforms × MaxPayloadInMB above 100 MB; say so before a deploy does.
  if (t.MaxConcurrentTransforms * t.MaxPayloadInMB > 100) {
    throw new LocalSetupError('pipeline sizing: MaxConcurrentTransforms × MaxPayloadInMB exceeds 100 MB');
  }
  return parsed.data;
}
