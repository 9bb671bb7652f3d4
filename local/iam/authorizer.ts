import { runSimulation } from '@cloud-copilot/iam-simulate';
import { LOCAL_ACCOUNT_ID } from '../serverless-refs.js';
import type { AuthRequest } from './operations.js';
import type { StackIam, StackPrincipal } from './stack-iam.js';

/**
 * Decides each request with @cloud-copilot/iam-simulate against the caller's role policies and the resource policy
 * of what it touches, and remembers every denial so `recs run` and the audit can say who lacked what.
 */

export interface Denial {
  principal: string;
  role: string;
  action: string;
  resource: string;
  explicit: boolean;
  /** Refused work AWS does not fail on (logs, traces, metrics): recorded and warned about, the call goes on. */
  soft?: boolean;
  /** The message AWS gives, naming the assumed-role session, the action and the resource. */
  message: string;
}

/** A request IAM refused; `name` is what the stand-in's wire error and the SDK's exception carry. */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDenied';
  constructor(readonly denial: Denial) {
    super(denial.message);
  }
}

export const sessionArn = (principal: StackPrincipal) =>
  `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${principal.role.name}/${principal.session}`;

/** `role X (function offers) lacks dynamodb:PutItem on arn:…` — the line `recs run` prints. */
export function describeDenial(denial: Denial): string {
  const [kind, name] = denial.principal.split(':');
  const who =
    kind === 'role'
      ? `role ${denial.role}`
      : `role ${denial.role} (${kind === 'stateMachine' ? 'state machine' : kind} ${name})`;
  return `IAM: ${who} ${denial.explicit ? 'is explicitly denied' : 'lacks'} ${denial.action} on ${denial.resource}`;
}

// Requests arrive over the stand-ins' plain-HTTP loopback; in AWS the SDK's calls are TLS.
const GLOBAL_CONTEXT = { 'aws:SecureTransport': 'true' };

/** `Role/policy#index`: one statement of one role (index 0-based, as in statementRefs). */
export type StatementKey = string;
export const statementKey = (role: string, policy: string, index: number): StatementKey => `${role}/${policy}#${index}`;

interface Decision {
  denial?: Denial;
  /** The identity statements that allowed the request (the audit's evidence). */
  allowedBy: StatementKey[];
}

type DecisionListener = (principalId: string, request: AuthRequest, allowedBy: StatementKey[]) => void;

export class IamAuthorizer {
  private decisions = new Map<string, Promise<Decision>>();
  readonly denials: Denial[] = [];
  private listeners: ((denial: Denial) => void)[] = [];
  private decisionListeners: DecisionListener[] = [];
  /** Requests checked, simulations run (the rest came from the cache), and seconds spent simulating. */
  readonly stats = { checks: 0, simulations: 0, seconds: 0 };

  constructor(private iam: StackIam) {}

  get stack(): StackIam {
    return this.iam;
  }

  /** Swaps the policies (the audit removes one statement per run); decisions are recomputed. */
  use(iam: StackIam): void {
    this.iam = iam;
    this.decisions.clear();
    this.denials.length = 0;
  }

  /** Calls `listener` with every denial from now on; returns the unsubscribe. */
  onDenial(listener: (denial: Denial) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((other) => other !== listener);
    };
  }

  /** Calls `listener` with every allowed request and the statements that allowed it; returns the unsubscribe. */
  onDecision(listener: DecisionListener): () => void {
    this.decisionListeners.push(listener);
    return () => {
      this.decisionListeners = this.decisionListeners.filter((other) => other !== listener);
    };
  }

  principal(id: string): StackPrincipal | undefined {
    return this.iam.principals.get(id);
  }

  /** Throws AccessDeniedError for the first request the principal may not make. */
  async enforce(principalId: string, requests: readonly AuthRequest[]): Promise<void> {
    for (const request of requests) {
      this.stats.checks++;
      const { denial, allowedBy } = await this.decide(principalId, request);
      if (denial) {
        this.denials.push(denial);
        for (const listener of this.listeners) listener(denial);
        throw new AccessDeniedError(denial);
      }
      for (const listener of this.decisionListeners) listener(principalId, request, allowedBy);
    }
  }

  private decide(principalId: string, request: AuthRequest): Promise<Decision> {
    const cacheKey = JSON.stringify([principalId, request.action, request.resource, request.context ?? {}]);
    let decision = this.decisions.get(cacheKey);
    if (!decision) {
      const started = performance.now();
      this.stats.simulations++;
      decision = this.simulate(principalId, request).finally(() => {
        this.stats.seconds += (performance.now() - started) / 1000;
      });
      this.decisions.set(cacheKey, decision);
    }
    return decision;
  }

  private async simulate(principalId: string, request: AuthRequest): Promise<Decision> {
    const principal = this.iam.principals.get(principalId);
    const base = { principal: principalId, action: request.action, resource: request.resource };
    if (!principal) {
      const message = `The security token included in the request is invalid (${principalId})`;
      return { denial: { ...base, role: '?', explicit: false, message }, allowedBy: [] };
    }
    const caller = sessionArn(principal);
    const result = await runSimulation(
      {
        request: {
          principal: caller,
          action: request.action,
          resource: { resource: request.resource, accountId: LOCAL_ACCOUNT_ID },
          contextVariables: { ...GLOBAL_CONTEXT, 'aws:PrincipalArn': principal.role.arn, ...request.context },
        },
        identityPolicies: principal.role.policies.map((policy) => ({ name: policy.name, policy: policy.document })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: this.resourcePolicyFor(request.resource),
      },
      {},
    );
    if (result.resultType === 'error') {
      throw new Error(`IAM simulation of ${request.action} on ${request.resource} failed: ${result.errors.message}`);
    }
    if (result.overallResult === 'Allowed') {
      const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
      const allows = analysis?.identityAnalysis?.allowStatements ?? [];
      // iam-policy numbers statements from 1.
      return { allowedBy: allows.map((a) => statementKey(principal.role.name, a.policyId, a.statement.index() - 1)) };
    }
    const explicit = result.overallResult === 'ExplicitlyDenied';
    const reason = explicit
      ? 'with an explicit deny'
      : `because no identity-based policy allows the ${request.action} action`;
    return {
      allowedBy: [],
      denial: {
        ...base,
        role: principal.role.name,
        explicit,
        message: `User: ${caller} is not authorized to perform: ${request.action} on resource: ${request.resource} ${reason}`,
      },
    };
  }

  private resourcePolicyFor(resource: string): unknown {
    const policies = this.iam.resourcePolicies;
    if (policies.has(resource)) return policies.get(resource);
    // An object is guarded by its bucket's policy.
    const bucket = /^(arn:aws:s3:::[^/]+)\//.exec(resource)?.[1];
    return bucket ? policies.get(bucket) : undefined;
  }
}
