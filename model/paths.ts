import { join } from 'node:path';

/** Every /opt/ml location the container reads or writes (SageMaker's fixed layout under one root). */
export interface OptMlPaths {
  readonly root: string;
  readonly hyperparameters: string;
  /** Folder of one input channel: /opt/ml/input/data/<channel>. */
  readonly channel: (name: string) => string;
  readonly model: string;
  readonly failure: string;
}

/**
 * The only reader of the /opt/ml root: env `SM_OPT_ML_ROOT` (the local runtime points it at a work folder),
 * else SageMaker's `/opt/ml`.
 */
export function optMlPaths(env: NodeJS.ProcessEnv = process.env): OptMlPaths {
  const root = env.SM_OPT_ML_ROOT && env.SM_OPT_ML_ROOT.length > 0 ? env.SM_OPT_ML_ROOT : '/opt/ml';
  return {
    root,
    hyperparameters: join(root, 'input', 'config', 'hyperparameters.json'),
    channel: (name) => join(root, 'input', 'data', name),
    model: join(root, 'model'),
    failure: join(root, 'output', 'failure'),
  };
}
