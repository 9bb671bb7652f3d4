import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { AslDefinition, Json } from './asl-loader.js';
import { oneLine, type StateTiming } from './run-summary.js';

/**
 * The event log of one execution: every interpreter event appended to `history.jsonl` (what a redrive reads
 * back), per-state timings for the summary, and the one line per state `recs run` prints.
 */

export interface HistoryEvent {
  type: string;
  timestamp: number;
  stateName?: string;
  stateType?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: unknown;
  redriveCount?: number;
}

/** The input the state last entered with, as recorded in a history file (undefined when it never entered). */
export function lastInputOf(historyPath: string, stateName: string): Json | undefined {
  if (!existsSync(historyPath)) return undefined;
  let input: Json | undefined;
  for (const line of readFileSync(historyPath, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as HistoryEvent;
    if (event.type === 'StateEntered' && event.stateName === stateName) input = event.input as Json;
  }
  return input;
}

/** An event as aws-local-stepfunctions yields it from `eventLogs`. */
interface InterpreterEvent {
  type: string;
  timestamp: number;
  state?: { name: string; type: string; input: unknown; output?: unknown };
  Error?: string;
  Cause?: unknown;
  input?: unknown;
  output?: unknown;
}

export class ExecutionEventLog {
  readonly timings = new Map<string, StateTiming>();
  /** The output of the last state that exited (the final state when the execution failed). */
  lastOutput: Json | undefined;
  /** The state whose failure is the run's (the first one caught, or the one whose error ended it). */
  failedState: string | undefined;
  /** The failure was a Task error (a redrive can restart it), not a decision. */
  isTaskFailure = false;
  private lastFailure: { state: string; error: string; cause: string } | undefined;
  private readonly entered = new Map<string, number>();
  // Poll loops (WaitForTraining → TrainModel → …) print their first pass, then one line for the repeats.
  private readonly exits = new Map<string, number>();
  private repeats: { first: string; passes: number; seconds: number } | undefined;

  constructor(
    private readonly historyPath: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Records that a redrive starts at `stateName` (what the history shows as ExecutionRedriven). */
  redriven(timestamp: number, redriveCount: number, stateName: string | undefined): void {
    this.append({ type: 'ExecutionRedriven', timestamp, redriveCount, stateName });
  }

  /** Consumes the interpreter's event stream until the execution ends. */
  async follow(events: AsyncIterable<unknown>): Promise<void> {
    for await (const event of events) this.record(event as InterpreterEvent);
    this.flushRepeats();
  }

  /**
   * After a FAILED execution: an uncaught failure's state is the one whose error ended it, and the failed
   * state's row says FAILED even when a poll loop passed it before its last pass failed.
   */
  settleFailure(definition: Pick<AslDefinition, 'States'>, now: number): void {
    if (!this.failedState) {
      this.failedState = this.lastFailure?.state;
      this.isTaskFailure = this.failedState !== undefined && definition.States[this.failedState]?.Type === 'Task';
    }
    const failedState = this.failedState;
    if (!failedState) return;
    const lastPass = (now - (this.entered.get(failedState) ?? now)) / 1000;
    const earlier = this.timings.get(failedState);
    if (earlier?.status === 'SUCCEEDED')
      this.timings.set(failedState, { ...earlier, status: 'FAILED', seconds: earlier.seconds + lastPass });
    if (!earlier) this.timings.set(failedState, { name: failedState, status: 'FAILED', seconds: lastPass });
  }

  private append(entry: HistoryEvent): void {
    appendFileSync(this.historyPath, `${JSON.stringify(entry)}\n`);
  }

  private flushRepeats(): void {
    if (!this.repeats) return;
    const { first, passes, seconds } = this.repeats;
    this.log(
      `  ⋯ ${first.padEnd(22)} ${seconds.toFixed(1).padStart(6)}s  polled ${passes} more time${passes === 1 ? '' : 's'}`,
    );
    this.repeats = undefined;
  }

  private record(e: InterpreterEvent): void {
    const entry: HistoryEvent = { type: e.type, timestamp: e.timestamp };
    if (e.state)
      Object.assign(entry, {
        stateName: e.state.name,
        stateType: e.state.type,
        input: e.state.input,
        output: e.state.output,
      });
    if (e.Error !== undefined)
      Object.assign(entry, { error: e.Error, cause: e.Cause instanceof Error ? e.Cause.message : e.Cause });
    if (e.type === 'ExecutionStarted') entry.input = e.input;
    if (e.type === 'ExecutionSucceeded') entry.output = e.output;
    this.append(entry);
    const name = e.state?.name;
    if (!name) return;
    if (e.type === 'StateEntered') this.entered.set(name, e.timestamp);
    const seconds = (e.timestamp - (this.entered.get(name) ?? e.timestamp)) / 1000;
    const timing = this.timings.get(name) ?? { name, status: 'SUCCEEDED' as const, seconds: 0 };
    if (e.type === 'StateExited') {
      timing.seconds += seconds;
      this.timings.set(name, timing);
      this.lastOutput = e.state?.output as Json;
      const pass = (this.exits.get(name) ?? 0) + 1;
      this.exits.set(name, pass);
      if (pass > 1) {
        this.repeats ??= { first: name, passes: 0, seconds: 0 };
        this.repeats.seconds += seconds;
        if (name === this.repeats.first) this.repeats.passes++;
      } else {
        this.flushRepeats();
        if (timing.status === 'SUCCEEDED') this.log(`  ✓ ${name.padEnd(22)} ${seconds.toFixed(1).padStart(6)}s`);
      }
    } else if (e.type === 'StateFailed') {
      this.flushRepeats();
      this.lastFailure = {
        state: name,
        error: e.Error ?? '',
        cause: e.Cause instanceof Error ? e.Cause.message : String(e.Cause ?? ''),
      };
    } else if (e.type === 'StateRetried') {
      this.log(`  ↻ ${name.padEnd(22)} retrying after ${this.lastFailure?.error ?? 'error'}`);
    } else if (e.type === 'StateCaught') {
      timing.status = 'FAILED';
      this.timings.set(name, timing);
      // The first caught failure is the run's; later ones happen on the failure path itself.
      if (this.failedState === undefined) {
        this.failedState = name;
        this.isTaskFailure = e.state?.type === 'Task';
      }
      this.log(
        `  ✗ ${name.padEnd(22)} ${seconds.toFixed(1).padStart(6)}s  ${this.lastFailure?.error ?? ''}: ${oneLine(this.lastFailure?.cause ?? '')}`,
      );
    }
  }
}
