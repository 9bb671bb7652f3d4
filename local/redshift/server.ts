import type { LocalIam } from '../iam/local-iam.js';
import { type RunningStandIn, startJsonProtocolServer } from '../standins/json-protocol.js';
import type { RedshiftDataEmulator } from './data-api.js';

/**
 * The Data API emulation over HTTP (`X-Amz-Target: RedshiftData.<Action>`), so Lambdas that query the
 * warehouse through `@aws-sdk/client-redshift-data` reach it via AWS_ENDPOINT_URL_REDSHIFT_DATA.
 */
export function startRedshiftDataServer(emulator: RedshiftDataEmulator, iam?: LocalIam): Promise<RunningStandIn> {
  return startJsonProtocolServer({
    ...(iam ? { authorize: (action, input, headers) => iam.checkJson('redshift-data', action, input, headers) } : {}),
    actions: {
      ExecuteStatement: (input) => emulator.executeStatement(input),
      BatchExecuteStatement: (input) => emulator.batchExecuteStatement(input),
      DescribeStatement: (input) => emulator.describeStatement(input),
      GetStatementResult: (input) => emulator.getStatementResult(input),
    },
    timestampKey: /At$/,
    errorCode: (error) => error.name.replace(/^RedshiftData\./, ''),
  });
}
