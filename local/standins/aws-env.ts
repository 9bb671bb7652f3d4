/**
 * The environment that points AWS SDK v3 clients at the local stand-ins. Production code never sees
 * these names; the SDK reads them itself (AWS_ENDPOINT_URL_<SERVICE> is the SDK's standard mechanism).
 */
export function localAwsEnv(endpoints: { s3?: string; dynamodb?: string }): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    // s3rver only accepts its built-in key pair; dynalite accepts any.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(endpoints.s3 ? { AWS_ENDPOINT_URL_S3: endpoints.s3 } : {}),
    ...(endpoints.dynamodb ? { AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb } : {}),
  };
}

/** Applies the local AWS environment to this process (the local runtime imports handlers in-process). */
export function applyLocalAwsEnv(endpoints: { s3?: string; dynamodb?: string }): void {
  Object.assign(process.env, localAwsEnv(endpoints));
}
