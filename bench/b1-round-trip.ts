/**
 * B1 round trip: C closed-loop WebSocket clients, each sending a 64-byte request and waiting for
 * the reply, against (a) a raw `ws` echo server, (b) a handler on the gateway, (c) a backend in
 * another process behind the gateway over the TCP pool, (d) the same over NATS, (e) the same as (c)
 * with the IDL's binary body. The figure that matters is replies per server CPU-second (gateway,
 * backend and nats-server CPU together), compared with the raw `ws` baseline of the same run.
 */
import { loadBenchIdl } from './harness/bench-idl.js';
import type { BenchContext, WorkloadReport } from './harness/bench-context.js';
import { startCluster, startGateway, startRawEcho, type RunningServers } from './harness/bench-servers.js';
import { checkIdlEcho, checkJsonEcho, idlRequest } from './harness/echo-checks.js';
import { leastDisturbed, otherLoadPeak } from './harness/least-disturbed.js';
import { runGenerator } from './harness/load-generator.js';
import type { WindowFigures } from './harness/measured-window.js';
import { jsonRequestBody } from './harness/payloads.js';
import type { LatencySummary } from './harness/percentiles.js';
import type { RoundTripOutcome, RoundTripParams } from './load/round-trip-load.js';
import { b1Targets, renderB1 } from './b1-report.js';

export type Variant = 'a' | 'b' | 'c' | 'd' | 'e';

const LABELS: Record<Variant, string> = {
  a: '(a) raw ws echo',
  b: '(b) handler on the gateway',
  c: '(c) gateway → backend, TCP pool, JSON',
  d: '(d) gateway → backend, NATS, JSON',
  e: '(e) gateway → backend, TCP pool, IDL binary',
};

/** One measured run. */
export interface RoundTripRow {
  readonly variant: Variant;
  readonly label: string;
  readonly clients: number;
  readonly bodyBytes: number;
  readonly replies: number;
  readonly errors: number;
  readonly seconds: number;
  readonly repliesPerSec: number;
  readonly serverCpuSeconds: number;
  /** Server CPU seconds per wall second: near 1, the server core was saturated. */
  readonly serverCoreBusy: number;
  /** Wake-ups of the servers' event loops per reply: how often they ran out of work, for reading the CPU figures. */
  readonly wakeupsPerReply: number;
  readonly cpuByProcess: Record<string, number>;
  readonly rssByProcess: Record<string, number>;
  readonly repliesPerServerCpuSecond: number;
  readonly serverCpuMicrosPerReply: number;
  readonly latencyMs: LatencySummary;
  /** Share of one core the load generator used in the window (1 = saturated). */
  readonly generatorCpuShare: number;
  /** Share of the server core and of the load core other processes used in the window. */
  readonly otherLoad: WindowFigures['otherLoad'];
  /** Replies per server CPU-second over the raw `ws` baseline's at the same C. */
  readonly ratioToBaseline: number;
  /** p99 over the raw `ws` baseline's p99 at the same C. */
  readonly p99RatioToBaseline: number;
}

const SCALE = {
  full: { clients: [100, 1000], warmupMs: 2000, durationMs: 8000, maxReplies: 5_000_000 },
  quick: { clients: [50], warmupMs: 300, durationMs: 1000, maxReplies: 500_000 },
};

/**
 * The per-CPU targets are also judged on adjacent windows: (a), (b) and (c) at C = 100, one right
 * after the other with all three servers up, repeated; the machine's speed drifts between the
 * minutes the main table's windows are apart by more than the margins being judged.
 */
const PAIRS = {
  full: { rounds: 5, clients: [100], warmupMs: 1000, durationMs: 4000, maxReplies: 5_000_000 },
  quick: { rounds: 1, clients: [50], warmupMs: 300, durationMs: 1000, maxReplies: 500_000 },
};

/**
 * The p99 targets are judged on adjacent windows too: (a) to (e) at C = 1,000, one right after the
 * other with every server up. At this C a server-bound window's latency follows its CPU per reply,
 * which drifts between the main table's windows as much as the per-CPU figures do.
 */
const P99_ROUNDS = {
  full: { rounds: 3, clients: [1000], warmupMs: 1000, durationMs: 4000, maxReplies: 5_000_000 },
  quick: { rounds: 1, clients: [50], warmupMs: 300, durationMs: 1000, maxReplies: 500_000 },
};

/** One round of adjacent windows at C = 1,000: each variant's p99 latency, in ms. */
export type AdjacentP99Round = Readonly<Record<Variant, number>>;

/** How many clients, and how long and how far, each window of a series runs. */
interface WindowScale {
  readonly clients: readonly number[];
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly maxReplies: number;
}

/** A measured row before its ratios to the baseline are known. */
type MeasuredRow = Omit<RoundTripRow, 'ratioToBaseline' | 'p99RatioToBaseline'>;

/** One round of adjacent windows: replies per server CPU-second of each variant. */
export interface AdjacentRound {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** Server wake-ups per reply of each variant's window (see RoundTripRow). */
  readonly wakeupsPerReply: Readonly<Record<'a' | 'b' | 'c', number>>;
}

interface Request {
  readonly pomelo: boolean;
  readonly route: string;
  readonly body: Uint8Array;
}

/** Runs the generator at each C against running servers. */
async function measure(
  ctx: BenchContext,
  variant: Variant,
  servers: RunningServers,
  request: Request,
  scale: WindowScale = ctx.quick ? SCALE.quick : SCALE.full,
): Promise<MeasuredRow[]> {
  const rows = [];
  for (const clients of scale.clients) {
    ctx.log(`B1 ${LABELS[variant]}, C=${clients}`);
    const params: RoundTripParams = {
      url: servers.url,
      clients,
      pomelo: request.pomelo,
      route: request.route,
      body: Buffer.from(request.body).toString('base64'),
      warmupMs: scale.warmupMs,
      durationMs: scale.durationMs,
      maxReplies: scale.maxReplies,
      serverPids: servers.pids,
    };
    const out = await leastDisturbed(
      ctx,
      `B1 ${LABELS[variant]}, C=${clients}`,
      () => runGenerator<RoundTripOutcome>('round-trip-load.ts', params, 120_000 + scale.warmupMs + scale.durationMs),
      otherLoadPeak,
    );
    const cpu = Object.values(out.cpuByProcess).reduce((a, b) => a + b, 0);
    rows.push({
      variant,
      label: LABELS[variant],
      clients,
      bodyBytes: request.body.length,
      replies: out.replies,
      errors: out.errors,
      seconds: out.seconds,
      repliesPerSec: out.replies / out.seconds,
      serverCpuSeconds: cpu,
      serverCoreBusy: cpu / out.seconds,
      wakeupsPerReply: out.replies > 0 ? out.serverWakeups / out.replies : Number.NaN,
      cpuByProcess: out.cpuByProcess,
      rssByProcess: out.rssByProcess,
      repliesPerServerCpuSecond: cpu > 0 ? out.replies / cpu : Number.NaN,
      serverCpuMicrosPerReply: out.replies > 0 ? (cpu * 1e6) / out.replies : Number.NaN,
      latencyMs: out.latencyMs,
      generatorCpuShare: out.generatorCpuSeconds / out.seconds,
      otherLoad: out.otherLoad,
    });
  }
  return rows;
}

/** Starts servers, runs `body`, and stops them whatever happens. */
async function withServers<T>(start: () => Promise<RunningServers>, body: (s: RunningServers) => Promise<T>): Promise<T> {
  return withAllServers([start], ([s]) => body(s!));
}

/** Starts each set of servers in turn, runs `body` with all of them up, then stops them all, however it ends. */
async function withAllServers<T>(starts: readonly (() => Promise<RunningServers>)[], body: (all: RunningServers[]) => Promise<T>): Promise<T> {
  const running: RunningServers[] = [];
  try {
    for (const start of starts) running.push(await start());
    return await body(running);
  } finally {
    for (const s of running.reverse()) await s.stop();
  }
}

export async function runB1(ctx: BenchContext): Promise<WorkloadReport> {
  const idl = await loadBenchIdl(ctx.idl.module);
  const json: Request = { pomelo: true, route: 'echo.echo', body: jsonRequestBody() };
  const jsonBody: unknown = JSON.parse(Buffer.from(json.body).toString('utf8'));
  const binary = await idlRequest(idl);
  const rows: MeasuredRow[] = [];

  rows.push(...(await withServers(() => startRawEcho(), (s) => measure(ctx, 'a', s, { ...json, pomelo: false }))));
  rows.push(
    ...(await withServers(
      () => startGateway(),
      async (s) => {
        await checkJsonEcho(s.url, jsonBody);
        return measure(ctx, 'b', s, json);
      },
    )),
  );
  rows.push(
    ...(await withServers(
      () => startCluster('tcp', ctx.idl.module),
      async (s) => {
        await checkJsonEcho(s.url, jsonBody);
        await checkIdlEcho(s.url, idl);
        const c = await measure(ctx, 'c', s, json);
        const e = await measure(ctx, 'e', s, { pomelo: true, ...binary });
        return [...c, ...e];
      },
    )),
  );
  rows.push(
    ...(await withServers(
      () => startCluster('nats', ctx.idl.module),
      async (s) => {
        await checkJsonEcho(s.url, jsonBody);
        return measure(ctx, 'd', s, json);
      },
    )),
  );

  const withRatios = rows.map((r): RoundTripRow => {
    const base = rows.find((b) => b.variant === 'a' && b.clients === r.clients)!;
    return {
      ...r,
      ratioToBaseline: r.repliesPerServerCpuSecond / base.repliesPerServerCpuSecond,
      p99RatioToBaseline: r.latencyMs.p99 / base.latencyMs.p99,
    };
  });
  withRatios.sort((x, y) => x.clients - y.clients || x.variant.localeCompare(y.variant));
  const rounds = await adjacentRounds(ctx, json, jsonBody);
  const p99Rounds = await adjacentP99Rounds(ctx, json, jsonBody, { pomelo: true, ...binary });
  const figures = { rows: withRatios, adjacentRounds: rounds, adjacentP99Rounds: p99Rounds };
  return { id: 'B1', title: 'B1 round trip', figures, targets: b1Targets(ctx, figures), markdown: renderB1(figures) };
}

/** Measures (a), (b) and (c) at C = 100 in turn, `PAIRS.rounds` times, with all three servers up. */
async function adjacentRounds(ctx: BenchContext, json: Request, jsonBody: unknown): Promise<AdjacentRound[]> {
  const pairs = ctx.quick ? PAIRS.quick : PAIRS.full;
  const starts = [startRawEcho, startGateway, () => startCluster('tcp', ctx.idl.module)];
  return withAllServers(starts, async ([raw, gateway, cluster]) => {
    await checkJsonEcho(gateway!.url, jsonBody);
    await checkJsonEcho(cluster!.url, jsonBody);
    const rounds = await rotatedRounds(ctx, pairs, {
      a: [raw!, { ...json, pomelo: false }],
      b: [gateway!, json],
      c: [cluster!, json],
    });
    return rounds.map(({ a, b, c }) => ({
      a: a.repliesPerServerCpuSecond,
      b: b.repliesPerServerCpuSecond,
      c: c.repliesPerServerCpuSecond,
      wakeupsPerReply: { a: a.wakeupsPerReply, b: b.wakeupsPerReply, c: c.wakeupsPerReply },
    }));
  });
}

/** Measures (a) to (e) at C = 1,000 in turn, `P99_ROUNDS.rounds` times, with every server up. */
async function adjacentP99Rounds(ctx: BenchContext, json: Request, jsonBody: unknown, binary: Request): Promise<AdjacentP99Round[]> {
  const scale = ctx.quick ? P99_ROUNDS.quick : P99_ROUNDS.full;
  const starts = [startRawEcho, startGateway, () => startCluster('tcp', ctx.idl.module), () => startCluster('nats', ctx.idl.module)];
  return withAllServers(starts, async ([raw, gateway, tcp, nats]) => {
    for (const s of [gateway!, tcp!, nats!]) await checkJsonEcho(s.url, jsonBody);
    const rounds = await rotatedRounds(ctx, scale, {
      a: [raw!, { ...json, pomelo: false }],
      b: [gateway!, json],
      c: [tcp!, json],
      d: [nats!, json],
      e: [tcp!, binary],
    });
    return rounds.map((r) => ({ a: r.a.latencyMs.p99, b: r.b.latencyMs.p99, c: r.c.latencyMs.p99, d: r.d.latencyMs.p99, e: r.e.latencyMs.p99 }));
  });
}

/**
 * Measures one window of each variant (its servers, its request) per round, each round starting
 * with the next variant, so none always follows the same one.
 */
async function rotatedRounds<V extends Variant>(
  ctx: BenchContext,
  scale: WindowScale & { readonly rounds: number },
  windows: Record<V, readonly [RunningServers, Request]>,
): Promise<Record<V, MeasuredRow>[]> {
  const variants = Object.keys(windows) as V[];
  const out: Record<V, MeasuredRow>[] = [];
  for (let round = 0; round < scale.rounds; round++) {
    const got = {} as Record<V, MeasuredRow>;
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + round) % variants.length]!;
      const [servers, request] = windows[v];
      got[v] = (await measure(ctx, v, servers, request, scale))[0]!;
    }
    out.push(got);
  }
  return out;
}
