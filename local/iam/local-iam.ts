import type { LocalResourceNames } from '../serverless-refs.js';
import { AccessDeniedError, IamAuthorizer } from './authorizer.js';
import type { ImpliedCalls } from './implied.js';
import { type AccessKey, accessKeyIdOf, KeyRing, OPERATOR_ACCESS_KEY_ID } from './keys.js';
import { type ArnFormats, type AuthRequest, loadArnFormats } from './operations.js';
import {
  dynamodbRequests,
  redshiftDataRequests,
  type StackFacts,
  s3CallOf,
  s3Requests,
  sagemakerRequests,
} from './requests.js';
import { credentialEnv } from './scoped-env.js';
import { loadStackIam, type StackIam } from './stack-iam.js';

/**
 * The local run's IAM: the stack's policies (read from serverless.yml and resources/ when the session opens), one
 * access key per principal, and the checks each stand-in runs before it serves a request.
 */

type Headers = Record<string, string | string[] | undefined>;

/** A request signed with no key this run issued; AWS answers InvalidAccessKeyId / UnrecognizedClientException. */
export class UnknownAccessKeyError extends Error {
  override readonly name = 'UnrecognizedClientException';
}

export class LocalIam {
  readonly keys = new KeyRing();

  private constructor(
    readonly authorizer: IamAuthorizer,
    private readonly formats: ArnFormats,
  ) {}

  static async load(options: { root: string; names?: Partial<LocalResourceNames> }): Promise<LocalIam> {
    return new LocalIam(new IamAuthorizer(loadStackIam(options)), await loadArnFormats());
  }

  get stack(): StackIam {
    return this.authorizer.stack;
  }

  private get facts(): StackFacts {
    return this.stack;
  }

  functionPrincipal(key: string): string {
    return `function:${key}`;
  }

  /** The state machine's principal (the stack has one). */
  stateMachinePrincipal(): string {
    const id = [...this.stack.principals.keys()].find((key) => key.startsWith('stateMachine:'));
    if (!id) throw new Error('the stack declares no state machine');
    return id;
  }

  /** The principal a service acting with `roleArn` is (SageMaker's execution role, Redshift's UNLOAD role). */
  rolePrincipal(roleArn: string): string {
    return `role:${roleArn.split('/').at(-1) ?? roleArn}`;
  }

  keyFor(principalId: string): AccessKey {
    return this.keys.keyFor(principalId);
  }

  /** The environment a function runs with: its own access key. */
  envFor(principalId: string): Record<string, string> {
    return credentialEnv(this.keyFor(principalId));
  }

  /** Who signed a request: a principal id, `operator` (the runtime's own clients), or an unknown key. */
  private callerOf(headers: Headers, url?: string): string | 'operator' {
    const keyId = accessKeyIdOf(headers, url);
    if (keyId === OPERATOR_ACCESS_KEY_ID) return 'operator';
    const principal = keyId ? this.keys.principalOf(keyId) : undefined;
    if (!principal)
      throw new UnknownAccessKeyError(`The security token included in the request is invalid (${keyId ?? 'unsigned'})`);
    return principal;
  }

  private async enforceCaller(
    headers: Headers,
    url: string | undefined,
    requests: AuthRequest[] | undefined,
    what: string,
  ) {
    const caller = this.callerOf(headers, url);
    if (caller === 'operator') return;
    if (!requests)
      throw new AccessDeniedError({
        principal: caller,
        role: this.stack.principals.get(caller)?.role.name ?? '?',
        action: what,
        resource: '*',
        explicit: false,
        message: `${what} is not in the local IAM operation table (local/iam/operations.ts); add it there`,
      });
    await this.authorizer.enforce(caller, requests);
  }

  async checkS3(method: string, url: string, headers: Headers): Promise<void> {
    const call = s3CallOf(method, url, headers);
    const requests = call.operation === 'Unknown' ? undefined : s3Requests(this.formats, this.facts, call);
    await this.enforceCaller(headers, url, requests, `s3 ${method} ${url.split('?')[0]}`);
  }

  async checkDynamodb(operation: string, input: Record<string, unknown>, headers: Headers): Promise<void> {
    await this.enforceCaller(
      headers,
      undefined,
      dynamodbRequests(this.formats, operation, input),
      `dynamodb:${operation}`,
    );
  }

  async checkJson(
    service: 'redshift-data' | 'sagemaker',
    operation: string,
    input: Record<string, unknown>,
    headers: Headers,
  ): Promise<void> {
    await this.enforceCaller(
      headers,
      undefined,
      this.requestsFor(service, operation, input),
      `${service}:${operation}`,
    );
  }

  /** A call the runtime makes for a principal in-process (Step Functions' own integrations). */
  async enforceAs(principalId: string, requests: AuthRequest[]): Promise<void> {
    await this.authorizer.enforce(principalId, requests);
  }

  /** What a service does with the role (implied.ts): refused hard calls throw, refused soft ones are only recorded. */
  async enforceImplied(principalId: string, calls: ImpliedCalls): Promise<void> {
    await this.authorizer.enforce(principalId, calls.hard);
    for (const request of calls.soft) {
      await this.authorizer.enforce(principalId, [request]).catch((error: unknown) => {
        if (!(error instanceof AccessDeniedError)) throw error;
        error.denial.soft = true;
      });
    }
  }

  requestsFor(
    service: 'redshift-data' | 'sagemaker',
    operation: string,
    input: Record<string, unknown>,
  ): AuthRequest[] | undefined {
    return service === 'redshift-data'
      ? redshiftDataRequests(this.formats, this.facts, operation, input)
      : sagemakerRequests(this.formats, operation, input);
  }

  get arnFormats(): ArnFormats {
    return this.formats;
  }
}
