// Types only, and free of indexing, so the root program (cli/commands/evaluate.ts) can import it although the rest
// of model/ is typechecked by model/tsconfig.json alone.

/** The `recs evaluate --json` line (keys fixed by issue #4). */
export interface OfflineReport {
  readonly model: string;
  readonly 'recall@10': number;
  readonly 'ndcg@10': number;
  readonly popularity: { readonly 'recall@10': number; readonly 'ndcg@10': number };
  readonly trainSeconds: number;
  /** CPU seconds of the fit (user + system, all threads): the cost without other processes' contention. */
  readonly trainCpuSeconds: number;
  readonly peakRssMb: number;
  /** EASE only: the fit's Gram and inverse seconds and the inverse's rate (n³ flops, bench/README.md). */
  readonly kernel?: {
    readonly precision: string;
    readonly gramSeconds: number;
    readonly inverseSeconds: number;
    readonly gflops: number;
  };
  readonly users: number;
  readonly items: number;
  readonly k: number;
}
