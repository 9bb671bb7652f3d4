// `npm run package`: writes the CloudFormation template to .serverless/ with no network and no AWS
// credentials. The ci stage's params are placeholders; a real deploy passes its own (README "Deploy").
import { spawnSync } from 'node:child_process';

const stage = process.argv[2] ?? 'ci';
const result = spawnSync('npx', ['osls', 'package', '--stage', stage], {
  stdio: 'inherit',
  env: {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // Packaging never calls AWS; placeholder credentials stop the SDK from probing instance metadata.
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'packaging-only',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'packaging-only',
  },
});
process.exitCode = result.status ?? 1;
