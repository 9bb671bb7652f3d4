import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json } from '../asl-loader.js';
import { LambdaHost } from '../bindings.js';
import { parseFaultSpec } from '../faults.js';
import { type LocalSession, openLocalSession } from '../runtime.js';
import type { SampleOptions } from '../sample-data.js';
import { type Denial, describeDenial, type StatementKey, statementKey } from './authorizer.js';
import { INVALID_LOGGING_CONFIGURATION, lambdaIdentity } from './runtime-iam.js';
import { type StackIam, type StatementRef, statementAt, statementRefs, withoutStatement } from './stack-iam.js';

/**
 * `recs iam-audit`: proves every IAM statement by running without it. One baseline scenario with all policies
 * records, per allowed request, which statements allowed it. A statement that was never the only one allowing a
 * request cannot change any decision when removed, so that run would be the baseline again: it is reported unneeded
 * without rerunning. Every other statement is removed in turn and the scenario rerun (only the steps whose callers
 * use that role), and the step where the first refusal happened is what needed it.
 */

export interface AuditedStatement {
  role: string;
  sid?: string;
  actions: string[];
  resources: string[];
  /** The step that failed (or was refused) without the statement; null when nothing needed it. */
  neededBy: string | null;
  /** The refusal that showed it, e.g. `IAM: role X (function y) lacks …`. */
  evidence?: string;
}

export interface AuditReport {
  statements: AuditedStatement[];
  /** Scenario runs: the baseline plus one per statement some request relied on alone. */
  runs: number;
  seconds: number;
}

/** The scenario's steps: the pipeline, a failed execution (EventBridge → recordFailure), and the two HTTP routes. */
type Step = 'pipeline' | 'recordFailure' | 'offers' | 'topShowsReport';
const STEPS: readonly Step[] = ['pipeline', 'recordFailure', 'offers', 'topShowsReport'];
const STEP_LABEL: Record<Step, string> = {
  pipeline: 'pipeline',
  recordFailure: 'recordFailure (execution FAILED event)',
  offers: 'offers (GET /viewers/{viewerId}/offers)',
  topShowsReport: 'topShowsReport (GET /reports/top-shows)',
};

/** Where the audit's failed execution fails: after the UNLOAD wrote the data-quality counts the recorder reads. */
const RECORDED_FAILURE_AT = 'TrainModel';

export interface AuditOptions {
  root?: string;
  sample: SampleOptions;
  input?: Json;
  log?: (line: string) => void;
}

const asList = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((item) =>
    typeof item === 'string' ? item : JSON.stringify(item),
  );

function httpEvent(path: string, routeKey: string, scopes: string[], extra: Record<string, unknown> = {}): Json {
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { host: '127.0.0.1' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: { jwt: { claims: { sub: 'iam-audit', scope: scopes.join(' ') }, scopes } },
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'recs iam-audit' },
      requestId: 'iam-audit',
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
    ...extra,
  } as Json;
}

export async function auditIam(options: AuditOptions): Promise<AuditReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'recs-iam-audit-'));
  let session: LocalSession | undefined;
  try {
    session = await openLocalSession({
      dataDir,
      ...(options.root ? { root: options.root } : {}),
      sample: options.sample,
      waitMs: 20,
      retryMs: 5,
    });
    const iam = session.stack.iam;
    if (!iam) throw new Error('IAM enforcement is off');
    const full = iam.stack;
    const { rows } = await session.stack.warehouse.query<{ viewer_id: string }>(
      'SELECT viewer_id FROM identity_map ORDER BY viewer_id LIMIT 1',
    );
    const viewerId = rows[0]?.viewer_id ?? 'v000000';
    let executions = 0;
    const live = session;

    /** Runs the given steps; returns the first refusal's step and line, and which roles each step used. */
    const scenario = async (steps: readonly Step[]) => {
      // Fresh functions each time: their cold start (environment key, log stream, traces) is part of the scenario.
      const lambdas = new LambdaHost(live.pipeline.functions, lambdaIdentity(iam));
      let current: Step = 'pipeline';
      let refused: { step: string; denial: Denial } | undefined;
      const usedBy = new Map<Step, Set<string>>();
      const soleAllowers = new Map<StatementKey, Step>();
      const stopDenials = iam.authorizer.onDenial((denial) => {
        refused ??= { step: STEP_LABEL[current], denial };
      });
      const stopDecisions = iam.authorizer.onDecision((principalId, _request, allowedBy) => {
        const role = full.principals.get(principalId)?.role.name;
        if (role) (usedBy.get(current) ?? usedBy.set(current, new Set()).get(current))?.add(role);
        if (allowedBy.length === 1 && allowedBy[0] && !soleAllowers.has(allowedBy[0]))
          soleAllowers.set(allowedBy[0], current);
      });
      try {
        for (const step of steps) {
          current = step;
          if (step === 'pipeline') {
            const summary = await live.start({ executionName: `audit-${++executions}`, input: options.input ?? {} });
            if (refused) {
              // The state that failed, or (caught refusals) the first state that did not succeed.
              const state = summary.failedState ?? summary.states.find((s) => s.status === 'FAILED')?.name;
              refused.step = state ?? 'pipeline';
            }
          } else if (step === 'recordFailure') {
            // Failed after the UNLOAD, so the recorder also reads the run's data-quality counts.
            await live.start({ executionName: `audit-${++executions}`, failAt: parseFaultSpec(RECORDED_FAILURE_AT) });
          } else if (step === 'offers') {
            await lambdas.invoke(
              'offers',
              httpEvent(`/viewers/${viewerId}/offers`, 'GET /viewers/{viewerId}/offers', ['offers/read'], {
                pathParameters: { viewerId },
              }),
            );
          } else {
            await lambdas.invoke(
              'topShowsReport',
              httpEvent('/reports/top-shows', 'GET /reports/top-shows', ['reports/read']),
            );
          }
          if (refused) break;
        }
      } catch (error) {
        // A refusal the function did not absorb: the invocation failed, which is what we learn.
        if (!refused) throw error;
        // No state ran: the state machine as deployed was refused (CreateStateMachine's logging check).
        if (refused.step === STEP_LABEL.pipeline && (error as Error).name === INVALID_LOGGING_CONFIGURATION)
          refused.step = 'CreateStateMachine (logging configuration)';
      } finally {
        stopDenials();
        stopDecisions();
      }
      // A refused log, trace or metric fails nothing (AWS drops it): name who lost it instead of a state.
      if (refused?.denial.soft) refused.step = softStep(refused.denial);
      return { refused, usedBy, soleAllowers };
    };

    log('  iam-audit: baseline with every statement');
    const baseline = await scenario(STEPS);
    if (baseline.refused) {
      throw new Error(`the policies as written refuse a call: ${describeDenial(baseline.refused.denial)}`);
    }
    const refs = statementRefs(full);
    const statements: AuditedStatement[] = [];
    let runs = 1;
    for (const ref of refs) {
      const key = statementKey(ref.role, ref.policy, ref.index);
      const statement = statementAt(full, ref) ?? {};
      const entry: AuditedStatement = {
        role: ref.role,
        ...(ref.sid ? { sid: ref.sid } : {}),
        actions: asList(statement.Action ?? statement.NotAction),
        resources: asList(statement.Resource ?? statement.NotResource),
        neededBy: null,
      };
      statements.push(entry);
      if (!baseline.soleAllowers.has(key)) continue;
      const steps = STEPS.filter((step) => baseline.usedBy.get(step)?.has(ref.role));
      log(`  iam-audit: without ${describeRef(ref)} (${steps.join(', ')})`);
      iam.authorizer.use(withoutStatement(full, ref));
      try {
        const { refused } = await scenario(steps);
        runs++;
        if (refused) {
          entry.neededBy = refused.step;
          entry.evidence = describeDenial(refused.denial);
        }
      } finally {
        iam.authorizer.use(full);
      }
    }
    return { statements, runs, seconds: Math.round((performance.now() - started) / 100) / 10 };
  } finally {
    await session?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `function prepareRun: loses logs:CreateLogStream (AWS drops it; the run goes on)`. */
function softStep(denial: Denial): string {
  const [kind, name] = denial.principal.split(':');
  const who = kind === 'stateMachine' ? 'state machine' : kind === 'role' ? `a job as role ${name}` : `${kind} ${name}`;
  return `${who}: loses ${denial.action} (AWS drops it; the run goes on)`;
}

export const describeRef = (ref: StatementRef): string =>
  `${ref.role}/${ref.policy}${ref.sid ? `/${ref.sid}` : `#${ref.index}`}`;

export type { StackIam };
