/** BENCHMARKS.md: the machine, the method, every target and where it stands, then each workload's tables. */
import type { WorkloadReport } from './bench-context.js';
import type { MachineInfo } from './machine.js';
import { pct, table, verdict } from './markdown.js';
import type { QuietCheck } from './quiet-machine.js';
import { renderComparison, type BeforeRun } from './render-comparison.js';

/** Everything the page is made from; all of it comes from one run. */
export interface BenchmarksPage {
  readonly machine: MachineInfo;
  readonly reports: readonly WorkloadReport[];
  readonly failures: readonly { readonly id: string; readonly error: string }[];
  readonly quick: boolean;
  readonly durationSec: number;
  /** Load averages when the run ended. */
  readonly loadAverageAtEnd: readonly number[];
  /** How busy the machine was before each workload (full runs wait for it to settle). */
  readonly quiet: Readonly<Record<string, QuietCheck | undefined>>;
  /** Windows measured again because other processes disturbed them. */
  readonly remeasured: number;
  /** An earlier revision's run to set beside this one (`--before`). */
  readonly before?: BeforeRun | undefined;
}

function machineSection(m: MachineInfo, loadAtEnd: readonly number[], quiet: BenchmarksPage['quiet'], remeasured: number): string {
  const settled = Object.entries(quiet)
    .filter((e): e is [string, QuietCheck] => e[1] !== undefined)
    .map(([id, q]) => `${id} ${pct(q.busyShare)}${q.waitedSec > 2 ? ` (after waiting ${q.waitedSec} s)` : ''}`);
  return table(
    ['', ''],
    [
      ['CPU', `${m.cpuModel}, ${m.cores} cores`],
      ['memory', `${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB`],
      ['Node.js', `${m.node} (V8 ${m.v8})`],
      ['OS', `${m.platform}, kernel ${m.kernel}`],
      ['pinning', m.pinned ? 'servers on core 0, load generators on core 1 (`taskset -c`)' : 'none: taskset missing or a single core; all processes unpinned'],
      ['open files (`ulimit -n`)', m.openFileLimit],
      ['clock ticks (`getconf CLK_TCK`)', String(m.clockTicks)],
      ['load average (1, 5, 15 min)', `${m.loadAverageAtStart.join(', ')} at the start, ${loadAtEnd.join(', ')} at the end`],
      ['machine busy before each workload', settled.length ? settled.join(', ') : 'not checked (quick run)'],
      ['windows measured again (disturbed by other work)', String(remeasured)],
    ],
  );
}

const METHOD = `- Every server runs in its own process pinned to core 0 (gateway, backend and nats-server together on
  that core); every load generator runs in another process pinned to core 1. Servers and
  generators run compiled, from \`dist/\` (\`npm run bench\` builds first); clusters are two
  \`yard start\` processes.
- Server CPU is user + system time read from \`/proc/<pid>/stat\` at the edges of the measured window
  (after a warm-up), summed over every server process of the variant. **Replies per server
  CPU-second** is the figure to compare: the single-core generator saturates before the cheaper
  servers do, so replies/s alone would hide the server's cost.
- Each workload measures its baseline (raw \`ws\`, protobufjs, gRPC) in the same run; ratios are to
  those figures. Latencies are measured by the generator, send to reply (B3: from the send time
  stamped in the body, on the system-wide monotonic clock, to arrival).
- The machine's speed drifts over minutes (B1 (c) of one build took 26 and 42 µs of server CPU per
  reply in windows minutes apart), so B1's per-CPU targets are judged on adjacent windows:
  (a), (b) and (c) at C = 100 measured one right after the other with all three servers up, five
  rounds (each starting with the next variant), each ratio to the (a) of its own round; the
  target's figure is the median round. The p99 targets are judged the same way on three rounds of
  (a) to (e) at C = 1,000 with every server up: at that C a window's latency follows the server's
  CPU per reply, which drifts as much (the same build's B1 (c) cluster took 26 to 63 µs of server
  CPU per reply at C = 1,000 in scratch windows about a minute apart).
- B1 also reports, per window, the server core's busy share and the servers' wake-ups per reply
  (voluntary context switches of their main threads: how often an event loop ran out of work and
  slept), so a ratio that moves between runs or machines can be read against how each server was
  loaded.
- Pinning keeps our processes apart, not other work off our cores: a full run waits (up to 60 s) for
  the machine to settle before each workload, measures a window again (up to twice, eight times
  per run) when other processes took more than 20% of either core, keeps the least disturbed
  attempt, and reports the share of core 0 and of core 1 other processes took ("other load").
  Figures from a window with much other load are not comparable with the rest.
- Server memory is RSS from \`/proc/<pid>/status\`: B2 reads it after a forced full collection; B6 samples
  it every 100 ms while it runs, with the heap the gateway reports (\`process.memoryUsage()\`).
- B6 has no target of issue 5: it shows what a client that stops reading costs the others, its
  windows compared with the baseline window of the same run and the same gateway.
- Every load loop is bounded in time and in count; only 127.0.0.1 is used.`;

/** Renders the whole page. */
export function renderBenchmarks(page: BenchmarksPage): string {
  const { machine, reports, failures } = page;
  const targets = reports.flatMap((r) => r.targets);
  const parts = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` on ${machine.date.slice(0, 10)} in ${Math.round(page.durationSec / 60)} min; every figure in its tables comes from that one run` +
      ` (all of them are also in [bench/results.json](bench/results.json)); the list of hot-path changes names the runs its own figures come from.`,
    ...(page.quick ? ['', "**This is a `--quick` run: seconds and tiny counts, not the issue's workloads. Do not quote these figures.**"] : []),
    '',
    'Run it: `npm run bench` (about eight minutes on a quiet 2-core machine; longer when it waits for other work), `npm run bench -- --only B1,B4`, or',
    '`npm run bench -- --quick` (under a minute, tiny counts; the test suite runs a subset of it).',
    '',
    '## Machine',
    '',
    machineSection(machine, page.loadAverageAtEnd, page.quiet, page.remeasured),
    '',
    '## Method',
    '',
    METHOD,
    '',
    '## Targets (issue 5) and where this run stands',
    '',
    targets.length ? table(['target', 'measured', 'status'], targets.map((t) => [t.target, t.measured, verdict(t.met)])) : 'No target was measured in this run.',
    '',
  ];
  for (const r of reports) parts.push(`## ${r.title}`, '', r.markdown, '');
  parts.push(renderComparison(page.before, reports, machine));
  if (failures.length) {
    parts.push('## Workloads that did not run', '');
    for (const f of failures) parts.push(`- ${f.id}: ${f.error.split('\n')[0]}`);
    parts.push('');
  }
  return parts.join('\n');
}
