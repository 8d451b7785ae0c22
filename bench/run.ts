/**
 * `npm run bench`: runs the workloads of BENCHMARKS.md (servers pinned to core 0, load generators
 * to core 1), then writes BENCHMARKS.md and bench/results.json with every figure and the machine.
 * Benchmarks never fail on a timing: the exit code says only whether every workload ran.
 *
 * Usage: node --import tsx bench/run.ts [--quick] [--only B1,B3] [--out <dir>] [--before <results.json>]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runB1 } from './b1-round-trip.js';
import { runB2 } from './b2-idle-connections.js';
import { runB3 } from './b3-broadcast.js';
import { runB4 } from './b4-codec.js';
import { runB5 } from './b5-server-rpc.js';
import { runB6 } from './b6-slow-readers.js';
import type { BenchContext, WorkloadReport } from './harness/bench-context.js';
import { compileBenchIdl, removeCompiledIdl } from './harness/bench-idl.js';
import { profileServersInto } from './harness/bench-servers.js';
import { canPin } from './harness/child-processes.js';
import { loadAverage, machineInfo } from './harness/machine.js';
import { renderBenchmarks } from './harness/render-benchmarks.js';
import { loadBeforeRun } from './harness/render-comparison.js';
import { sourceFallbackReason } from './harness/compiled-scripts.js';
import { waitForQuiet, type QuietCheck } from './harness/quiet-machine.js';
import { parseRunOptions, type WorkloadId } from './harness/run-options.js';

const RUNNERS: Record<WorkloadId, (ctx: BenchContext) => Promise<WorkloadReport>> = {
  B1: runB1,
  B2: runB2,
  B3: runB3,
  B4: runB4,
  B5: runB5,
  B6: runB6,
};

/** Longest a full run waits for other work to settle before each workload, in ms. */
const QUIET_WAIT_MS = 60_000;
/** Disturbed windows a full run may measure again, in all. */
const RUN_RETRIES = 8;

/** A workload that could not run, and why. */
export interface WorkloadFailure {
  readonly id: WorkloadId;
  readonly error: string;
}

async function main(): Promise<number> {
  const options = parseRunOptions(process.argv.slice(2));
  const started = Date.now();
  const pinned = canPin();
  const machine = machineInfo(pinned);
  const log = (message: string): void => void process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${message}\n`);
  if (!pinned) log('taskset is not available (or this machine has one core): processes run unpinned');
  if (machine.loadAverageAtStart[0]! > 0.5) log(`load average ${machine.loadAverageAtStart[0]}: other work on this machine will skew the figures`);
  if (options.cpuProfDir) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    profileServersInto(options.cpuProfDir);
    log(`servers write CPU profiles into ${options.cpuProfDir}`);
  }
  const before = options.before ? loadBeforeRun(options.before.file, options.before.label) : undefined;
  const fallback = sourceFallbackReason();
  log(fallback ? `servers and generators run from source under tsx: ${fallback}` : 'servers and generators run compiled from dist/');
  const idl = compileBenchIdl();
  const ctx: BenchContext = { quick: options.quick, idl, pinned, retries: { left: RUN_RETRIES }, log };
  const reports: WorkloadReport[] = [];
  const failures: WorkloadFailure[] = [];
  const quiet: Partial<Record<WorkloadId, QuietCheck>> = {};
  try {
    for (const id of options.only) {
      if (!options.quick) {
        const check = (quiet[id] = await waitForQuiet(QUIET_WAIT_MS));
        if (check.waitedSec > 2) log(`${id}: waited ${check.waitedSec}s for other work; machine ${Math.round(check.busyShare * 100)}% busy`);
      }
      log(`${id} starting`);
      try {
        reports.push(await RUNNERS[id](ctx));
      } catch (err) {
        const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`${id} failed: ${error}`);
        failures.push({ id, error });
      }
    }
  } finally {
    removeCompiledIdl(idl);
  }
  const durationSec = Math.round((Date.now() - started) / 1000);
  const loadAverageAtEnd = loadAverage();
  const results = {
    quick: options.quick,
    workloads: options.only,
    durationSec,
    machine,
    loadAverageAtEnd,
    quietBeforeWorkload: quiet,
    windowsMeasuredAgain: RUN_RETRIES - ctx.retries.left,
    results: Object.fromEntries(reports.map((r) => [r.id, { title: r.title, targets: r.targets, ...(r.figures as object) }])),
    failures,
  };
  for (const file of [options.jsonFile, options.markdownFile]) mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(options.jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(options.markdownFile, renderBenchmarks({ machine, reports, failures, quick: options.quick, durationSec, loadAverageAtEnd, quiet, remeasured: RUN_RETRIES - ctx.retries.left, before }));
  log(`done in ${durationSec}s: ${options.markdownFile}, ${options.jsonFile}`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
