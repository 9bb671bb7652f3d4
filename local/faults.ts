import type { AslState, Json } from './asl-loader.js';
import { LocalSetupError, TaskError } from './errors.js';

/**
 * Fault injection for `recs run --fail-at` (issue #7). A fault wraps the handler the runtime bound to a Task
 * state, so the failure travels the path a real one takes: the interpreter sees a Task error, applies the
 * state's Retry, and once the retries run out the execution fails at that state (and the runtime hands the
 * status-change event to recordFailure, as EventBridge does). Nothing in functions/ or model/ knows.
 *
 * - `STATE`           every attempt fails with the state's first retryable error: retries run out, the run fails there.
 * - `STATE:N`         only the Nth attempt fails (same error), so the Retry recovers and the run succeeds.
 * - `STATE:N+`        every attempt from the Nth on fails: the work the first N-1 started (a SageMaker job the
 *                     Task created before its polls failed) runs on after the execution fails, as in AWS.
 * - `MAP:batch=B[:N]` the same, for child batch B (0-based, as in the Map's result files) of a Distributed Map.
 * The fault fires before the real handler runs, as a throttle or a lost connection would: nothing is half done.
 * Attempts count every entry into the state, so the passes of a poll loop count too.
 */

export interface FaultSpec {
  state: string;
  /** 1-based attempt that fails; undefined = every attempt. */
  attempt?: number;
  /** With `attempt`: that attempt and every later one fail (`STATE:N+`). */
  onward?: boolean;
  /** Distributed Map child batch index (0-based). */
  batch?: number;
}

const SPEC = /^([A-Za-z0-9_-]+)(?::batch=(\d+))?(?::(\d+)(\+)?)?$/;

/** `STATE`, `STATE:N`, `STATE:batch=B`, `STATE:batch=B:N` → a spec; anything else is a usage error. */
export function parseFaultSpec(text: string): FaultSpec {
  const match = SPEC.exec(text.trim());
  if (!match?.[1]) {
    throw new LocalSetupError(`--fail-at "${text}" must be STATE, STATE:N, STATE:N+, STATE:batch=B or STATE:batch=B:N`);
  }
  const spec: FaultSpec = { state: match[1] };
  if (match[2] !== undefined) spec.batch = Number(match[2]);
  if (match[3] !== undefined) {
    spec.attempt = Number(match[3]);
    if (spec.attempt < 1) throw new LocalSetupError(`--fail-at "${text}": the attempt N counts from 1`);
    if (match[4]) spec.onward = true;
  }
  return spec;
}

export const formatFault = (spec: FaultSpec): string =>
  `${spec.state}${spec.batch !== undefined ? `:batch=${spec.batch}` : ''}${spec.attempt !== undefined ? `:${spec.attempt}${spec.onward ? '+' : ''}` : ''}`;

/** The error a fault raises: the first specific name the state retries on, so "retries exhausted" is real. */
export function retryableErrorName(state: AslState): string {
  const retriers = Array.isArray(state.Retry) ? (state.Retry as { ErrorEquals?: string[] }[]) : [];
  for (const retrier of retriers) {
    const name = retrier.ErrorEquals?.find((error) => error !== 'States.ALL');
    if (name) return name;
  }
  return 'States.TaskFailed';
}

type Handler = (input: Json) => Promise<Json>;

/** Counts attempts per state (and per batch) within one execution and fails the chosen ones. */
export class FaultInjector {
  private readonly attempts = new Map<string, number>();

  constructor(readonly spec?: FaultSpec) {}

  /** Refuses a spec that names no Task state (or a batch of something that is not a Distributed Map). */
  check(taskStates: readonly string[], distributedMaps: readonly string[]): void {
    if (!this.spec) return;
    const { state, batch } = this.spec;
    if (batch !== undefined && !distributedMaps.includes(state)) {
      throw new LocalSetupError(
        `--fail-at ${state}:batch=${batch}: ${state} is not a Distributed Map (${distributedMaps.join(', ')})`,
      );
    }
    if (!taskStates.includes(state) && !distributedMaps.includes(state)) {
      throw new LocalSetupError(`--fail-at ${state}: no Task state of that name (${taskStates.join(', ')})`);
    }
  }

  /** Wraps a state's handler when the spec names the state (and no batch). */
  wrap(stateName: string, state: AslState, handler: Handler): Handler {
    if (!this.spec || this.spec.state !== stateName || this.spec.batch !== undefined) return handler;
    return this.failing(stateName, stateName, state, handler);
  }

  /** Whether child batch `index` of Distributed Map `mapState` is the target. */
  targetsBatch(mapState: string, index: number): boolean {
    return this.spec?.state === mapState && this.spec.batch === index;
  }

  /** Wraps a Task inside the targeted child batch. */
  wrapBatch(mapState: string, index: number, stateName: string, state: AslState, handler: Handler): Handler {
    return this.failing(`${mapState}:batch=${index}`, `${mapState}:batch=${index}/${stateName}`, state, handler);
  }

  private failing(key: string, label: string, state: AslState, handler: Handler): Handler {
    return async (input) => {
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      this.attempts.set(key, attempt);
      const target = this.spec?.attempt;
      if (target === undefined || attempt === target || (this.spec?.onward && attempt > target)) {
        const name = retryableErrorName(state);
        const message = `fault injected by --fail-at at ${label} (attempt ${attempt})`;
        const isLambda = /:lambda:/.test(String(state.Resource ?? ''));
        // Lambda reports a function error as {errorType, errorMessage}; other integrations give a message.
        throw new TaskError(name, isLambda ? JSON.stringify({ errorType: name, errorMessage: message }) : message);
      }
      return handler(input);
    };
  }
}
