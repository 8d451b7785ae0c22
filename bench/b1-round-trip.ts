/**
 * B1 round trip: C closed-loop WebSocket clients, each sending a 64-byte request and waiting for
 * the reply, against (a) a raw `ws` echo server, (b) a handler on the gateway, (c) a backend in
 * another process behind the gateway over the TCP pool, (d) the same over NATS, (e) the same as (c)
 * with the IDL's binary body. The figure that matters is replies per server CPU-second (gateway,
 * backend and nats-server CPU together), compared with the raw `ws` baseline of the same run.
 */
import { loadBenchIdl } from './harness/bench-idl.js';
import type { BenchContext, TargetStatus, WorkloadReport } from './harness/bench-context.js';
import { startCluster, startGateway, startRawEcho, type RunningServers } from './harness/bench-servers.js';
import { checkIdlEcho, checkJsonEcho, idlRequest } from './harness/echo-checks.js';
import { leastDisturbed, otherLoadPeak } from './harness/least-disturbed.js';
import { runGenerator } from './harness/load-generator.js';
import type { WindowFigures } from './harness/measured-window.js';
import { int, num, otherLoadCell, pct, ratio, table } from './harness/markdown.js';
import { jsonRequestBody } from './harness/payloads.js';
import type { LatencySummary } from './harness/percentiles.js';
import type { RoundTripOutcome, RoundTripParams } from './load/round-trip-load.js';

type Variant = 'a' | 'b' | 'c' | 'd' | 'e';

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
  scale: { readonly clients: readonly number[]; readonly warmupMs: number; readonly durationMs: number; readonly maxReplies: number } = ctx.quick ? SCALE.quick : SCALE.full,
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
  const targets = b1Targets(ctx, withRatios, rounds);
  return { id: 'B1', title: 'B1 round trip', figures: { rows: withRatios, adjacentRounds: rounds }, targets, markdown: render(withRatios, rounds) };
}

/** Measures (a), (b) and (c) at C = 100 in turn, `PAIRS.rounds` times, with all three servers up. */
async function adjacentRounds(ctx: BenchContext, json: Request, jsonBody: unknown): Promise<AdjacentRound[]> {
  const pairs = ctx.quick ? PAIRS.quick : PAIRS.full;
  const starts = [startRawEcho, startGateway, () => startCluster('tcp', ctx.idl.module)];
  return withAllServers(starts, async ([raw, gateway, cluster]) => {
    await checkJsonEcho(gateway!.url, jsonBody);
    await checkJsonEcho(cluster!.url, jsonBody);
    const perCpu = async (v: Variant, servers: RunningServers, request: Request): Promise<MeasuredRow> => (await measure(ctx, v, servers, request, pairs))[0]!;
    const windows: Record<'a' | 'b' | 'c', () => Promise<MeasuredRow>> = {
      a: () => perCpu('a', raw!, { ...json, pomelo: false }),
      b: () => perCpu('b', gateway!, json),
      c: () => perCpu('c', cluster!, json),
    };
    const out: AdjacentRound[] = [];
    for (let round = 0; round < pairs.rounds; round++) {
      // Each round starts with the next variant, so no variant always follows the same one.
      const order = (['a', 'b', 'c'] as const).map((_, i, all) => all[(i + round) % all.length]!);
      const got: Partial<Record<'a' | 'b' | 'c', MeasuredRow>> = {};
      for (const v of order) got[v] = await windows[v]();
      const [a, b, c] = [got.a!, got.b!, got.c!];
      out.push({
        a: a.repliesPerServerCpuSecond,
        b: b.repliesPerServerCpuSecond,
        c: c.repliesPerServerCpuSecond,
        wakeupsPerReply: { a: a.wakeupsPerReply, b: b.wakeupsPerReply, c: c.wakeupsPerReply },
      });
    }
    return out;
  });
}

/** The median of each round's `v` over its own (a). */
function adjacentMedian(rounds: readonly AdjacentRound[], v: 'b' | 'c'): { median: number; low: number; high: number } {
  const ratios = rounds.map((r) => r[v] / r.a).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  const median = ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return { median, low: ratios[0] ?? Number.NaN, high: ratios.at(-1) ?? Number.NaN };
}

function b1Targets(ctx: BenchContext, rows: readonly RoundTripRow[], rounds: readonly AdjacentRound[]): TargetStatus[] {
  const at = (v: Variant, c: number): RoundTripRow | undefined => rows.find((r) => r.variant === v && r.clients === c);
  const judged = (met: boolean): boolean | null => (ctx.quick ? null : met);
  const small = ctx.quick ? SCALE.quick.clients[0]! : 100;
  const large = ctx.quick ? SCALE.quick.clients.at(-1)! : 1000;
  const out: TargetStatus[] = [];
  const perCpu = (v: 'b' | 'c', floor: number, what: string): void => {
    const r = at(v, small);
    if (!r || rounds.length === 0) return;
    const { median, low, high } = adjacentMedian(rounds, v);
    out.push({
      target: `B1(${v}) at C = 100: ≥ ${floor}× raw ws replies per server CPU-second${what}`,
      measured:
        `${ratio(median)}, median of ${rounds.length} adjacent-window rounds (${ratio(low)}–${ratio(high)}); ` +
        `main table ${ratio(r.ratioToBaseline)} (${int(r.repliesPerServerCpuSecond)} vs ${int(r.repliesPerServerCpuSecond / r.ratioToBaseline)} at C = ${small})`,
      met: judged(median >= floor),
    });
  };
  perCpu('c', 0.6, ' (gateway + backend CPU)');
  perCpu('b', 0.8, '');
  for (const v of ['b', 'c', 'd', 'e'] as const) {
    const r = at(v, large);
    if (!r) continue;
    out.push({
      target: `B1(${v}) p99 at C = 1,000 ≤ 2× the raw ws baseline's`,
      measured: `${ratio(r.p99RatioToBaseline)} (${num(r.latencyMs.p99)} ms vs ${num(r.latencyMs.p99 / r.p99RatioToBaseline)} ms at C = ${large})`,
      met: judged(r.p99RatioToBaseline <= 2),
    });
  }
  return out;
}

function render(rows: readonly RoundTripRow[], rounds: readonly AdjacentRound[]): string {
  const main = table(
    ['variant', 'C', 'replies/s', 'server CPU s', 'replies per server CPU-s', 'server CPU µs/reply', '× raw ws (per CPU-s)', 'p50 ms', 'p99 ms', 'p99 × raw ws', 'server core busy', 'server wake-ups per reply', 'generator CPU', 'other load cores 0 / 1', 'errors'],
    rows.map((r) => [
      r.label,
      int(r.clients),
      int(r.repliesPerSec),
      num(r.serverCpuSeconds),
      int(r.repliesPerServerCpuSecond),
      num(r.serverCpuMicrosPerReply, 1),
      ratio(r.ratioToBaseline),
      num(r.latencyMs.p50),
      num(r.latencyMs.p99),
      ratio(r.p99RatioToBaseline),
      pct(r.serverCoreBusy),
      num(r.wakeupsPerReply, 3),
      pct(r.generatorCpuShare),
      otherLoadCell(r.otherLoad),
      int(r.errors),
    ]),
  );
  const split = table(
    ['variant', 'C', 'CPU seconds by process'],
    rows.filter((r) => Object.keys(r.cpuByProcess).length > 1).map((r) => [r.label, int(r.clients), Object.entries(r.cpuByProcess).map(([k, v]) => `${k} ${num(v)}`).join(', ')]),
  );
  return [
    `Request body: ${rows[0]?.bodyBytes ?? 64} bytes (JSON \`{"text":"…"}\`; for (e) the protobuf encoding of \`echo(text)\`, taken from the generated proxy).`,
    'Replies/s is bounded by the single-core load generator for the cheaper servers; replies per server CPU-second is the comparable figure.',
    "Server wake-ups per reply: voluntary context switches of the servers' main threads (summed over a cluster's processes), how often",
    'an event loop ran out of work and slept.',
    '',
    main,
    '',
    split,
    '',
    'Adjacent windows (the per-CPU targets are judged on these): (a), (b) and (c) at C = 100 measured one right after the other,',
    'all three servers up, shorter windows, each round starting with the next variant; each ratio is to the (a) of its own round.',
    '',
    table(
      ['round', '(a) replies per server CPU-s', '(b)', '(c)', '(b) ÷ (a)', '(c) ÷ (a)', 'wake-ups per reply (a / b / c)'],
      rounds.map((r, i) => [i + 1, int(r.a), int(r.b), int(r.c), ratio(r.b / r.a), ratio(r.c / r.a), wakeupCell(r.wakeupsPerReply)]),
    ),
  ].join('\n');
}

function wakeupCell(w: AdjacentRound['wakeupsPerReply']): string {
  return `${num(w.a, 3)} / ${num(w.b, 3)} / ${num(w.c, 3)}`;
}
