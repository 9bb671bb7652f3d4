import { describe, expect, it } from 'vitest';
import { optMlPaths } from './paths.js';

describe('optMlPaths', () => {
  it("is SageMaker's /opt/ml layout, under SM_OPT_ML_ROOT when it is set and not empty", () => {
    const layout = (root: string) => ({
      root,
      hyperparameters: `${root}/input/config/hyperparameters.json`,
      channel: `${root}/input/data/viewership`,
      model: `${root}/model`,
      failure: `${root}/output/failure`,
    });
    const view = (env: NodeJS.ProcessEnv) => {
      const paths = optMlPaths(env);
      return { ...paths, channel: paths.channel('viewership') };
    };

    expect(view({})).toEqual(layout('/opt/ml'));
    expect(view({ SM_OPT_ML_ROOT: '' })).toEqual(layout('/opt/ml'));
    expect(view({ SM_OPT_ML_ROOT: '/tmp/job-1' })).toEqual(layout('/tmp/job-1'));
  });
});
