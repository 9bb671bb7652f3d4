/**
 * Bundling alias for `@aws-sdk/credential-provider-node` in the offers bundle. Lambda always hands a function its
 * role's credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), and the local
 * runtime sets the same variables, so the default chain's SSO, INI, process, STS and IMDS providers (about 130 KB
 * minified, most of the bundle) are dead weight on the login path. See bench/offers.bench.ts for the build options.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
