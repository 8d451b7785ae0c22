/**
 * B5 server-to-server RPC: 50 concurrent callers making two-way calls with a 64-byte argument, one
 * after another, through Switchyard's RPC over TCP (`createCommunicator`, with and without call-site
 * capture) and over NATS (`NatsTransport`), against `@grpc/grpc-js` unary calls of the same
 * operation (its `.proto` exported by our compiler) on the same machine.
 */
import type { BenchContext, TargetStatus, WorkloadReport } from './harness/bench-context.js';
import { startGrpcServer, startRpcServer, type RunningServers } from './harness/bench-servers.js';
import { leastDisturbed, otherLoadPeak } from './harness/least-disturbed.js';
import { runGenerator } from './harness/load-generator.js';
import type { WindowFigures } from './harness/measured-window.js';
import { int, num, otherLoadCell, pct, ratio, table } from './harness/markdown.js';
import type { LatencySummary } from './harness/percentiles.js';
import type { RpcLoadParams } from './load/rpc-load.js';

type Variant = 'tcp' | 'tcp-no-call-sites' | 'nats' | 'grpc';

const LABELS: Record<Variant, string> = {
  tcp: 'Switchyard RPC over TCP (defaults)',
  'tcp-no-call-sites': 'Switchyard RPC over TCP, captureCallSites: false',
  nats: 'Switchyard RPC over NATS',
  grpc: '@grpc/grpc-js unary',
};

const SCALE = {
  full: { callers: 50, warmupMs: 2000, durationMs: 8000, maxCalls: 5_000_000 },
  quick: { callers: 10, warmupMs: 300, durationMs: 1000, maxCalls: 500_000 },
};

/** One variant's figures. */
export interface RpcRow {
  readonly variant: Variant;
  readonly label: string;
  readonly callers: number;
  readonly calls: number;
  readonly failures: number;
  readonly seconds: number;
  readonly callsPerSec: number;
  readonly serverCpuSeconds: number;
  readonly cpuByProcess: Record<string, number>;
  readonly callsPerServerCpuSecond: number;
  readonly latencyMs: LatencySummary;
  /** Share of one core the callers' process used (1 = saturated). */
  readonly generatorCpuShare: number;
  /** Share of the server core and of the load core other processes used in the window. */
  readonly otherLoad: WindowFigures['otherLoad'];
}

interface Outcome {
  readonly generatorCpuSeconds: number;
  readonly otherLoad: WindowFigures['otherLoad'];
  readonly calls: number;
  readonly failures: number;
  readonly seconds: number;
  readonly cpuByProcess: Record<string, number>;
  readonly latencyMs: LatencySummary;
}

async function measure(ctx: BenchContext, variant: Variant, servers: RunningServers & { natsUrl?: string }): Promise<RpcRow> {
  const scale = ctx.quick ? SCALE.quick : SCALE.full;
  ctx.log(`B5 ${LABELS[variant]}, ${scale.callers} callers`);
  try {
    const params: RpcLoadParams = {
      transport: variant === 'grpc' ? 'grpc' : variant === 'nats' ? 'nats' : 'tcp',
      callers: scale.callers,
      warmupMs: scale.warmupMs,
      durationMs: scale.durationMs,
      maxCalls: scale.maxCalls,
      serverPids: servers.pids,
      idlModule: ctx.idl.module,
      endpoint: servers.ready.endpoint as string | undefined,
      captureCallSites: variant !== 'tcp-no-call-sites',
      natsUrl: servers.natsUrl,
      grpcPort: servers.ready.port as number | undefined,
      proto: ctx.idl.proto,
    };
    const out = await runGenerator<Outcome>('rpc-load.ts', params, 120_000 + scale.warmupMs + scale.durationMs);
    const cpu = Object.values(out.cpuByProcess).reduce((a, b) => a + b, 0);
    return {
      variant,
      label: LABELS[variant],
      callers: scale.callers,
      calls: out.calls,
      failures: out.failures,
      seconds: out.seconds,
      callsPerSec: out.calls / out.seconds,
      serverCpuSeconds: cpu,
      cpuByProcess: out.cpuByProcess,
      callsPerServerCpuSecond: cpu > 0 ? out.calls / cpu : Number.NaN,
      latencyMs: out.latencyMs,
      generatorCpuShare: out.generatorCpuSeconds / out.seconds,
      otherLoad: out.otherLoad,
    };
  } finally {
    await servers.stop();
  }
}

export async function runB5(ctx: BenchContext): Promise<WorkloadReport> {
  const once = (variant: Variant, start: () => Promise<RunningServers & { natsUrl?: string }>) =>
    leastDisturbed(ctx, `B5 ${LABELS[variant]}`, async () => measure(ctx, variant, await start()), otherLoadPeak);
  const rows = [
    await once('tcp', () => startRpcServer('tcp', ctx.idl.module)),
    await once('tcp-no-call-sites', () => startRpcServer('tcp', ctx.idl.module)),
    await once('nats', () => startRpcServer('nats', ctx.idl.module)),
    await once('grpc', () => startGrpcServer(ctx.idl.proto)),
  ];
  const grpc = rows[3]!;
  const judged = (met: boolean): boolean | null => (ctx.quick ? null : met);
  const targets: TargetStatus[] = rows
    .filter((r) => r.variant === 'tcp' || r.variant === 'tcp-no-call-sites')
    .map((r) => ({
      target: `B5 ${r.label}: ≥ 2× @grpc/grpc-js calls/s with a lower p99`,
      measured: `${ratio(r.callsPerSec / grpc.callsPerSec)} calls/s (${int(r.callsPerSec)} vs ${int(grpc.callsPerSec)}); p99 ${num(r.latencyMs.p99)} ms vs ${num(grpc.latencyMs.p99)} ms`,
      met: judged(r.callsPerSec >= 2 * grpc.callsPerSec && r.latencyMs.p99 < grpc.latencyMs.p99),
    }));
  return { id: 'B5', title: 'B5 server-to-server RPC', figures: { rows }, targets, markdown: render(rows) };
}

function render(rows: readonly RpcRow[]): string {
  const grpc = rows.find((r) => r.variant === 'grpc')!;
  return [
    `${rows[0]!.callers} concurrent callers in one process (core 1), each making two-way \`bench.Echo.echo\` calls with a 64-byte`,
    'string, the next as soon as the previous answers; the server on core 0 (with nats-server for NATS, its CPU counted).',
    '',
    table(
      ['variant', 'calls/s', '× gRPC', 'p50 ms', 'p99 ms', 'server CPU s', 'calls per server CPU-s', 'callers\' CPU', 'other load cores 0 / 1', 'failures'],
      rows.map((r) => [
        r.label,
        int(r.callsPerSec),
        ratio(r.callsPerSec / grpc.callsPerSec),
        num(r.latencyMs.p50),
        num(r.latencyMs.p99),
        num(r.serverCpuSeconds),
        int(r.callsPerServerCpuSecond),
        pct(r.generatorCpuShare),
        otherLoadCell(r.otherLoad),
        int(r.failures),
      ]),
    ),
  ].join('\n');
}
