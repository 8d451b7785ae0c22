/**
 * B3 broadcast: M members in one group, a 64-byte push to the group every 10 ms, against a raw
 * `ws` loop sending the same bytes to the same number of sockets. Measured for a group on the
 * gateway (the push starts in the gateway process) and for a group broadcast from a backend
 * process (one message to the gateway, which pushes to its members). Every push must reach every
 * member; latency runs from the send time stamped in the body to arrival.
 */
import type { BenchContext, TargetStatus, WorkloadReport } from './harness/bench-context.js';
import { startCluster, startGateway, startRawBroadcast, type RunningServers } from './harness/bench-servers.js';
import { leastDisturbed, otherLoadPeak } from './harness/least-disturbed.js';
import { runGenerator } from './harness/load-generator.js';
import type { WindowFigures } from './harness/measured-window.js';
import { int, num, otherLoadCell, pct, ratio, table } from './harness/markdown.js';
import type { LatencySummary } from './harness/percentiles.js';
import type { BroadcastParams } from './load/broadcast-load.js';

type Variant = 'raw' | 'gateway' | 'backend';

const LABELS: Record<Variant, string> = {
  raw: 'raw ws loop',
  gateway: 'group on the gateway',
  backend: 'group broadcast from a backend (TCP pool)',
};

const SCALE = {
  full: { members: 1000, count: 1000, intervalMs: 10 },
  quick: { members: 100, count: 100, intervalMs: 10 },
};

/** One broadcast run. */
export interface BroadcastRow {
  readonly variant: Variant;
  readonly label: string;
  readonly members: number;
  readonly pushes: number;
  readonly intervalMs: number;
  readonly delivered: number;
  readonly expected: number;
  readonly seconds: number;
  readonly deliveredPerSec: number;
  readonly serverCpuSeconds: number;
  readonly cpuByProcess: Record<string, number>;
  readonly serverCpuMicrosPerDelivery: number;
  readonly latencyMs: LatencySummary;
  /** Share of one core the generator used (1 = saturated). */
  readonly generatorCpuShare: number;
  /** Share of the server core and of the load core other processes used in the window. */
  readonly otherLoad: WindowFigures['otherLoad'];
  readonly cpuRatioToRaw: number;
  readonly p99RatioToRaw: number;
}

interface Outcome {
  readonly generatorCpuSeconds: number;
  readonly otherLoad: WindowFigures['otherLoad'];
  readonly delivered: number;
  readonly expected: number;
  readonly seconds: number;
  readonly cpuByProcess: Record<string, number>;
  readonly latencyMs: LatencySummary;
}

async function measure(ctx: BenchContext, variant: Variant, start: () => Promise<RunningServers>): Promise<Omit<BroadcastRow, 'cpuRatioToRaw' | 'p99RatioToRaw'>> {
  const scale = ctx.quick ? SCALE.quick : SCALE.full;
  ctx.log(`B3 ${LABELS[variant]}: ${scale.members} members, ${scale.count} pushes every ${scale.intervalMs} ms`);
  const servers = await start();
  try {
    const params: BroadcastParams = {
      url: servers.url,
      pomelo: variant !== 'raw',
      members: scale.members,
      count: scale.count,
      intervalMs: scale.intervalMs,
      graceMs: 10_000,
      serverPids: servers.pids,
    };
    const out = await runGenerator<Outcome>('broadcast-load.ts', params, 180_000 + scale.count * scale.intervalMs);
    const cpu = Object.values(out.cpuByProcess).reduce((a, b) => a + b, 0);
    return {
      variant,
      label: LABELS[variant],
      members: scale.members,
      pushes: scale.count,
      intervalMs: scale.intervalMs,
      delivered: out.delivered,
      expected: out.expected,
      seconds: out.seconds,
      deliveredPerSec: out.delivered / out.seconds,
      serverCpuSeconds: cpu,
      cpuByProcess: out.cpuByProcess,
      serverCpuMicrosPerDelivery: out.delivered > 0 ? (cpu * 1e6) / out.delivered : Number.NaN,
      latencyMs: out.latencyMs,
      generatorCpuShare: out.generatorCpuSeconds / out.seconds,
      otherLoad: out.otherLoad,
    };
  } finally {
    await servers.stop();
  }
}

export async function runB3(ctx: BenchContext): Promise<WorkloadReport> {
  const once = (variant: Variant, start: () => Promise<RunningServers>) =>
    leastDisturbed(ctx, `B3 ${LABELS[variant]}`, () => measure(ctx, variant, start), otherLoadPeak);
  const measured = [
    await once('raw', () => startRawBroadcast()),
    await once('gateway', () => startGateway()),
    await once('backend', () => startCluster('tcp', ctx.idl.module)),
  ];
  const raw = measured[0]!;
  const rows = measured.map(
    (r): BroadcastRow => ({
      ...r,
      cpuRatioToRaw: r.serverCpuMicrosPerDelivery / raw.serverCpuMicrosPerDelivery,
      p99RatioToRaw: r.latencyMs.p99 / raw.latencyMs.p99,
    }),
  );
  const judged = (met: boolean): boolean | null => (ctx.quick ? null : met);
  const targets: TargetStatus[] = [];
  for (const r of rows.filter((x) => x.variant !== 'raw')) {
    targets.push(
      {
        target: `B3 ${r.label}: every push delivered`,
        measured: `${int(r.delivered)} of ${int(r.expected)}`,
        met: judged(r.delivered === r.expected),
      },
      {
        target: `B3 ${r.label}: server CPU per delivered message ≤ 1.25× the raw ws loop's`,
        measured: `${ratio(r.cpuRatioToRaw)} (${num(r.serverCpuMicrosPerDelivery)} µs vs ${num(raw.serverCpuMicrosPerDelivery)} µs)`,
        met: judged(r.cpuRatioToRaw <= 1.25),
      },
      {
        target: `B3 ${r.label}: p99 delivery latency ≤ 2× the raw ws loop's`,
        measured: `${ratio(r.p99RatioToRaw)} (${num(r.latencyMs.p99)} ms vs ${num(raw.latencyMs.p99)} ms)`,
        met: judged(r.p99RatioToRaw <= 2),
      },
    );
  }
  return { id: 'B3', title: 'B3 broadcast', figures: { rows }, targets, markdown: render(rows) };
}

function render(rows: readonly BroadcastRow[]): string {
  const first = rows[0]!;
  return [
    `${int(first.members)} members, ${int(first.pushes)} pushes of a 64-byte JSON body, one every ${first.intervalMs} ms; each push is an`,
    '80-byte pomelo packet (route `bcast.tick` as text). The raw loop sends those same bytes to every socket.',
    'Server CPU runs from the start of the broadcast to the last delivery; for the backend variant it is gateway + backend.',
    '',
    table(
      ['variant', 'delivered', 'delivered/s', 'server CPU s', 'server CPU µs/delivery', 'CPU × raw', 'p50 ms', 'p99 ms', 'max ms', 'p99 × raw', 'generator CPU', 'other load cores 0 / 1'],
      rows.map((r) => [
        r.label,
        `${int(r.delivered)} / ${int(r.expected)}`,
        int(r.deliveredPerSec),
        num(r.serverCpuSeconds),
        num(r.serverCpuMicrosPerDelivery),
        ratio(r.cpuRatioToRaw),
        num(r.latencyMs.p50),
        num(r.latencyMs.p99),
        num(r.latencyMs.max),
        ratio(r.p99RatioToRaw),
        pct(r.generatorCpuShare),
        otherLoadCell(r.otherLoad),
      ]),
    ),
  ].join('\n');
}
