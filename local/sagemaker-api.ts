import type { LocalIam } from './iam/local-iam.js';
import type { SageMakerPlayer } from './sagemaker-player.js';
import { type RunningStandIn, startJsonProtocolServer } from './standins/json-protocol.js';

/**
 * The SageMaker API over HTTP (`X-Amz-Target: SageMaker.<Action>`), backed by the local player, so the
 * `sageMakerJob` Lambda's `@aws-sdk/client-sagemaker` client reaches it via AWS_ENDPOINT_URL_SAGEMAKER.
 * Only the actions the pipeline calls are served; anything else is refused as an unknown operation.
 */
export function startSageMakerApiServer(player: SageMakerPlayer, iam?: LocalIam): Promise<RunningStandIn> {
  return startJsonProtocolServer({
    ...(iam ? { authorize: (action, input, headers) => iam.checkJson('sagemaker', action, input, headers) } : {}),
    actions: {
      CreateTrainingJob: (input) => player.createTrainingJob(input),
      DescribeTrainingJob: (input) => player.describeTrainingJob(input),
      StopTrainingJob: (input) => player.stopTrainingJob(input),
      CreateModel: (input) => player.createModel(input),
      DescribeModel: (input) => player.describeModel(input),
      CreateTransformJob: (input) => player.createTransformJob(input),
      DescribeTransformJob: (input) => player.describeTransformJob(input),
      StopTransformJob: (input) => player.stopTransformJob(input),
    },
    timestampKey: /(Time|Timestamp)$/,
  });
}
