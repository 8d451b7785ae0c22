/** What every workload is given, and what each hands back to the orchestrator. */
import type { CompiledIdl } from './bench-idl.js';
import type { RetryBudget } from './least-disturbed.js';

/** The run a workload is part of. */
export interface BenchContext {
  /** Seconds and tiny counts instead of the figures (the test suite's smoke run). */
  readonly quick: boolean;
  /** bench.idl compiled for this run. */
  readonly idl: CompiledIdl;
  /** Whether servers and generators are pinned to separate cores. */
  readonly pinned: boolean;
  /** Remeasurements of disturbed windows left for the whole run. */
  readonly retries: RetryBudget;
  /** A progress line on stderr. */
  log(message: string): void;
}

/** One target of the issue and where this run puts it. */
export interface TargetStatus {
  readonly target: string;
  readonly measured: string;
  /** Null when this run cannot tell (a quick run uses other counts than the target names). */
  readonly met: boolean | null;
}

/** A workload's outcome: its figures for results.json and its section of BENCHMARKS.md. */
export interface WorkloadReport {
  readonly id: string;
  readonly title: string;
  readonly figures: unknown;
  readonly targets: readonly TargetStatus[];
  /** Markdown body of the workload's section (tables and notes, no heading). */
  readonly markdown: string;
}
