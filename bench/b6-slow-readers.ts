/**
 * B6 slow readers: does a client that stops reading cost the other clients anything? One gateway
 * (B1(b)'s handlers, on the server core) serves C closed-loop round-trip clients and pushes a few
 * KiB to a group every 10 ms. Three windows in one run: N members that read (baseline); N members
 * that never read after joining, until the gateway has dropped them at their send-queue limit
 * (slow readers); the group empty (after). Each window gives the round-trip clients' replies/s,
 * p50, p99 and the gateway's CPU per reply; the gateway's memory is sampled throughout, and the
 * drops are counted with the reason the gateway gave.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, WorkloadReport } from './harness/bench-context.js';
import { BenchChild, SERVER_CORE } from './harness/child-processes.js';
import type { ChildMessage } from './harness/child-messages.js';
import { leastDisturbed, otherLoadPeak } from './harness/least-disturbed.js';
import { startGenerator } from './harness/load-generator.js';
import { int, kib, mib, num, otherLoadCell, pct, ratio, table } from './harness/markdown.js';
import { jsonRequestBody } from './harness/payloads.js';
import type { LatencySummary } from './harness/percentiles.js';
import { rssBytes } from './harness/proc-stats.js';
import type { SlowReaderLoadParams, SlowReaderLoadResult, SlowReaderWindow } from './load/slow-reader-load.js';
import type { CohortStats, SlowReaderGatewayParams, SlowReaderStats } from './servers/slow-reader-gateway.js';

/**
 * A paused loopback socket holds several MiB in the kernel (the gateway's send buffer and the
 * client's receive buffer) before the gateway's queue grows at all: at 4 KiB every 10 ms a slow
 * reader lasts about 20 s. The quick run pushes 32 KiB so it lasts a couple of seconds.
 */
const SCALE = {
  full: { clients: 100, members: 50, pushBytes: 4096, intervalMs: 10, sendQueueLimit: 1024 * 1024, warmupMs: 2000, windowMs: 8000, slowLimitMs: 60_000 },
  quick: { clients: 50, members: 5, pushBytes: 32 * 1024, intervalMs: 10, sendQueueLimit: 256 * 1024, warmupMs: 300, windowMs: 1000, slowLimitMs: 15_000 },
};
type Scale = (typeof SCALE)['full'];

/** How often the gateway's memory is sampled, in ms. */
const SAMPLE_MS = 100;
const READY_MS = 30_000;
const benchDir = path.dirname(fileURLToPath(import.meta.url));

type Phase = 'baseline' | 'slow' | 'after';

const LABELS: Record<Phase, string> = {
  baseline: 'members read (baseline)',
  slow: 'slow readers (never read)',
  after: 'after the drops (group empty)',
};

/** One measured window of the round-trip clients. */
export interface SlowReaderRow {
  readonly phase: Phase;
  readonly label: string;
  readonly seconds: number;
  readonly replies: number;
  readonly errors: number;
  readonly repliesPerSec: number;
  readonly latencyMs: LatencySummary;
  readonly gatewayCpuSeconds: number;
  readonly gatewayCpuMicrosPerReply: number;
  /** Pushes the members received per second (0 once they stop reading). */
  readonly memberPushesPerSec: number;
  readonly generatorCpuShare: number;
  readonly otherLoad: SlowReaderWindow['otherLoad'];
  /** This window over the baseline's: replies/s, p50, p99. */
  readonly vsBaseline: { readonly repliesPerSec: number; readonly p50: number; readonly p99: number };
}

/** The gateway's memory at one moment. */
export interface MemoryPoint {
  readonly when: string;
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly connections: number;
}

/** What became of the slow readers. */
export interface DropFigures {
  readonly members: number;
  /** Slow readers' sessions the gateway ended, by the reason it gave. */
  readonly closeReasons: Record<string, number>;
  /** The gateway's error counters at the end (ERR_SEND_QUEUE_FULL counts queue-limit drops). */
  readonly gatewayErrors: Record<string, number>;
  /** Shortest and longest time from a slow reader's join to its drop, in seconds. */
  readonly firstDropSec: number;
  readonly lastDropSec: number;
  /** Readers the gateway dropped during the baseline, by reason (a reader that falls far behind is a slow reader too). */
  readonly readersDropped: Record<string, number>;
  /** What the members saw when they read again: sockets closed by the gateway, and their close codes. */
  readonly seenByMembers: SlowReaderLoadResult;
}

/** B6's figures. */
export interface SlowReaderFigures {
  readonly clients: number;
  readonly members: number;
  readonly pushBytes: number;
  readonly intervalMs: number;
  readonly sendQueueLimit: number;
  readonly rows: readonly SlowReaderRow[];
  readonly drops: DropFigures;
  readonly memory: readonly MemoryPoint[];
}

interface Sample extends SlowReaderStats {
  readonly phase: Phase;
  readonly rss: number;
}

/** Waits for `event` from a child, or fails on its `error` event. */
async function answer(child: BenchChild, event: string, timeoutMs: number): Promise<ChildMessage> {
  const m = await child.next((x) => x.event === event || x.event === 'error', timeoutMs, `"${event}"`);
  if (m.event === 'error') throw new Error(`${child.name} failed: ${String(m.message)}`);
  return m;
}

/** B6's gateway, pinned to the server core like every other server of the suite. */
async function startGateway(params: SlowReaderGatewayParams): Promise<{ child: BenchChild; url: string }> {
  const child = BenchChild.script(path.join(benchDir, 'servers/slow-reader-gateway.ts'), [JSON.stringify(params)], {
    name: 'gateway',
    core: SERVER_CORE,
    nodeArgs: ['--expose-gc'],
    env: { SWITCHYARD_LOG_LEVEL: 'warn' },
  });
  try {
    const ready = await child.waitForEvent('ready', READY_MS);
    return { child, url: `ws://127.0.0.1:${ready.port as number}/` };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** Asks the gateway for its figures every {@link SAMPLE_MS} until stopped; RSS comes from /proc. */
class MemorySampler {
  readonly samples: Sample[] = [];
  phase: Phase = 'baseline';
  /** Why sampling stopped early (the gateway died), if it did. */
  error: unknown;
  #running = true;
  readonly #done: Promise<void>;

  constructor(readonly gateway: BenchChild) {
    this.#done = this.#loop().catch((err: unknown) => void (this.error = err));
  }

  get latest(): Sample | undefined {
    return this.samples.at(-1);
  }

  /** Stops sampling; throws if sampling had failed. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
    if (this.error) throw this.error;
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      const reply = this.gateway.next((m) => m.event === 'stats', 10_000, 'stats');
      this.gateway.send('stats');
      const stats = (await reply) as unknown as SlowReaderStats;
      this.samples.push({ ...stats, phase: this.phase, rss: rssBytes(this.gateway.pid) });
      await sleep(SAMPLE_MS);
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sum = (record: Record<string, number>): number => Object.values(record).reduce((a, b) => a + b, 0);
const NO_COHORT: CohortStats = { joined: 0, closeReasons: {}, minLifetimeMs: 0, maxLifetimeMs: 0 };
const slowCohort = (s: SlowReaderStats | undefined): CohortStats => s?.cohorts.slow ?? NO_COHORT;

/** Opens a window, waits for `until`, closes it. */
async function measureWindow(gen: BenchChild, until: () => Promise<void>): Promise<SlowReaderWindow> {
  const opened = answer(gen, 'opened', 10_000);
  gen.send('open');
  await opened;
  await until();
  const closed = answer(gen, 'window', 10_000);
  gen.send('close');
  return (await closed) as unknown as SlowReaderWindow;
}

/** The whole run against one fresh gateway. */
async function runOnce(ctx: BenchContext, scale: Scale): Promise<SlowReaderFigures> {
  const gateway = await startGateway({ sendQueueLimit: scale.sendQueueLimit });
  let sampler: MemorySampler | undefined;
  let gen: BenchChild | undefined;
  try {
    const pid = gateway.child.pid;
    const params: SlowReaderLoadParams = {
      url: gateway.url,
      clients: scale.clients,
      route: 'echo.echo',
      body: Buffer.from(jsonRequestBody()).toString('base64'),
      members: scale.members,
      joinRoute: 'flood.join',
      serverPids: { gateway: pid },
    };
    gen = startGenerator('slow-reader-load.ts', params);
    const g = gen;
    await g.waitFor((m) => m.event === 'connected' || m.event === 'error', 120_000, 'connected').then((m) => {
      if (m.event === 'error') throw new Error(`slow-reader-load.ts failed: ${String(m.message)}`);
    });
    sampler = new MemorySampler(gateway.child);
    const flooding = answer(gateway.child, 'flooding', 10_000);
    gateway.child.send(`flood ${scale.pushBytes} ${scale.intervalMs}`);
    await flooding;
    const running = answer(g, 'running', 10_000);
    g.send('run');
    await running;
    await sleep(scale.warmupMs);

    ctx.log(`B6 ${LABELS.baseline}: C=${scale.clients}, ${scale.members} members, ${scale.pushBytes} B every ${scale.intervalMs} ms`);
    const baseline = await measureWindow(g, () => sleep(scale.windowMs));
    const before = sampler.latest!;

    ctx.log(`B6 ${LABELS.slow}: until the gateway drops ${scale.members} (at most ${scale.slowLimitMs / 1000} s)`);
    sampler.phase = 'slow';
    const swapped = answer(g, 'swapped', 120_000);
    g.send('swap');
    await swapped;
    const slow = await measureWindow(g, async () => {
      const deadline = performance.now() + scale.slowLimitMs;
      while (sum(slowCohort(sampler!.latest).closeReasons) < scale.members && performance.now() < deadline) {
        if (sampler!.error) throw sampler!.error;
        await sleep(SAMPLE_MS / 2);
      }
    });
    const atDrops = sampler.latest!;

    ctx.log(`B6 ${LABELS.after}`);
    sampler.phase = 'after';
    const after = await measureWindow(g, () => sleep(scale.windowMs));
    await sampler.stop();
    const end = sampler.latest!;
    const dropped = slowCohort(end);

    const finished = answer(g, 'result', 30_000);
    g.send(`finish ${sum(dropped.closeReasons)}`);
    const { closedByServer, closeCodes, stillOpen } = (await finished) as unknown as SlowReaderLoadResult;
    const collected = answer(gateway.child, 'gc', 30_000);
    gateway.child.send('gc');
    const gc = (await collected) as unknown as SlowReaderStats;

    const duringSlow = sampler.samples.filter((s) => s.phase === 'slow');
    const peak = (key: 'rss' | 'heapUsed' | 'external'): number => Math.max(before[key], ...duringSlow.map((s) => s[key]));
    const point = (when: string, s: SlowReaderStats & { rss: number }): MemoryPoint => ({
      when,
      rss: s.rss,
      heapUsed: s.heapUsed,
      external: s.external,
      connections: s.connections,
    });
    const memory: MemoryPoint[] = [
      point('before: readers, end of the baseline', before),
      { when: 'during: highest with slow readers', rss: peak('rss'), heapUsed: peak('heapUsed'), external: peak('external'), connections: Math.max(...duringSlow.map((s) => s.connections), before.connections) },
      point('when the last slow reader was dropped', atDrops),
      point('after: end of the last window', end),
      point('after a full garbage collection', { ...gc, rss: rssBytes(pid) }),
    ];
    const seconds = (ms: number): number => (sum(dropped.closeReasons) > 0 ? ms / 1000 : Number.NaN);
    const drops: DropFigures = {
      members: scale.members,
      closeReasons: dropped.closeReasons,
      gatewayErrors: end.errors,
      readersDropped: (before.cohorts.readers ?? NO_COHORT).closeReasons,
      firstDropSec: seconds(dropped.minLifetimeMs),
      lastDropSec: seconds(dropped.maxLifetimeMs),
      seenByMembers: { closedByServer, closeCodes, stillOpen },
    };
    const rows = [row('baseline', baseline, baseline), row('slow', slow, baseline), row('after', after, baseline)];
    return { ...scale, rows, drops, memory };
  } finally {
    await sampler?.stop().catch(() => {});
    await gen?.stop();
    await gateway.child.stop();
  }
}

function row(phase: Phase, w: SlowReaderWindow, base: SlowReaderWindow): SlowReaderRow {
  const cpu = w.cpuByProcess.gateway ?? Number.NaN;
  const perSec = w.replies / w.seconds;
  return {
    phase,
    label: LABELS[phase],
    seconds: w.seconds,
    replies: w.replies,
    errors: w.errors,
    repliesPerSec: perSec,
    latencyMs: w.latencyMs,
    gatewayCpuSeconds: cpu,
    gatewayCpuMicrosPerReply: w.replies > 0 ? (cpu * 1e6) / w.replies : Number.NaN,
    memberPushesPerSec: w.memberPushes / w.seconds,
    generatorCpuShare: w.generatorCpuSeconds / w.seconds,
    otherLoad: w.otherLoad,
    vsBaseline: {
      repliesPerSec: perSec / (base.replies / base.seconds),
      p50: w.latencyMs.p50 / base.latencyMs.p50,
      p99: w.latencyMs.p99 / base.latencyMs.p99,
    },
  };
}

export async function runB6(ctx: BenchContext): Promise<WorkloadReport> {
  const scale = ctx.quick ? SCALE.quick : SCALE.full;
  const figures = await leastDisturbed(
    ctx,
    'B6 slow readers',
    () => runOnce(ctx, scale),
    (f) => Math.max(...f.rows.map(otherLoadPeak)),
  );
  return { id: 'B6', title: 'B6 slow readers', figures, targets: [], markdown: render(figures) };
}

/** Bytes in KiB below a MiB, in MiB from there. */
function bytes(n: number): string {
  return n >= 2 ** 20 ? mib(n) : kib(n);
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length ? entries.map(([k, v]) => `${k} × ${int(v)}`).join(', ') : 'none';
}

function render(f: SlowReaderFigures): string {
  const d = f.drops;
  const pushMiBs = (f.members * f.pushBytes * (1000 / f.intervalMs)) / 2 ** 20;
  return [
    `Does a client that stops reading cost the others anything? ${int(f.clients)} closed-loop clients send 64-byte JSON requests to a`,
    `handler on the gateway (as B1(b)) while the same gateway pushes a ${bytes(f.pushBytes)} body to a group every ${f.intervalMs} ms. Three windows,`,
    `one gateway: ${int(f.members)} members that read (baseline, ${num(pushMiBs, 1)} MiB/s of pushes); then those leave and ${int(f.members)} members join`,
    "that never read after joining (paused sockets: the kernel's buffers fill, then the gateway's send queue,",
    `\`sendQueueLimit\` = ${bytes(f.sendQueueLimit)}), measured until the gateway has dropped the last of them; then the group empty.`,
    'Ratios are to the baseline. Gateway CPU per reply includes the pushes; readers cost the generator CPU that slow readers',
    'do not, so read the latencies with the generator CPU in view.',
    '',
    table(
      ['window', 's', 'replies/s', '× baseline', 'p50 ms', 'p50 × baseline', 'p99 ms', 'p99 × baseline', 'max ms', 'gateway CPU µs/reply', 'gateway CPU', 'member pushes/s', 'generator CPU', 'other load cores 0 / 1', 'errors'],
      f.rows.map((r) => [
        r.label,
        num(r.seconds, 1),
        int(r.repliesPerSec),
        ratio(r.vsBaseline.repliesPerSec),
        num(r.latencyMs.p50),
        ratio(r.vsBaseline.p50),
        num(r.latencyMs.p99),
        ratio(r.vsBaseline.p99),
        num(r.latencyMs.max),
        num(r.gatewayCpuMicrosPerReply, 1),
        pct(r.gatewayCpuSeconds / r.seconds),
        int(r.memberPushesPerSec),
        pct(r.generatorCpuShare),
        otherLoadCell(r.otherLoad),
        int(r.errors),
      ]),
    ),
    '',
    `Slow readers dropped by the gateway: ${int(Object.values(d.closeReasons).reduce((a, b) => a + b, 0))} of ${int(d.members)}, by reason: ${counts(d.closeReasons)};`,
    `gateway error counters: ${counts(d.gatewayErrors)}. Dropped ${num(d.firstDropSec, 1)} s to ${num(d.lastDropSec, 1)} s after joining.`,
    `Readers the gateway dropped during the baseline (they fell too far behind): ${counts(d.readersDropped)}.`,
    `When the slow readers read again at the end, ${int(d.seenByMembers.closedByServer)} found their socket closed (close codes: ${counts(d.seenByMembers.closeCodes)}; 1006 = closed without a close frame), ${int(d.seenByMembers.stillOpen)} were still open.`,
    '',
    `Gateway memory (RSS from \`/proc/<pid>/status\`; heap and external from \`process.memoryUsage()\`, sampled every ${SAMPLE_MS} ms without forcing a collection`,
    `except in the last row). Queued pushes are Buffers (external), at most \`sendQueueLimit\` per slow reader, ${mib(f.members * f.sendQueueLimit)} for all`,
    "of them, and less in fact: a group push is encoded once and its bytes are shared by every member's queue. The kernel's",
    'socket buffers, which a paused loopback socket fills first (several MiB each, hence the time to a drop), are not in RSS.',
    '',
    table(
      ['when', 'RSS', 'heap used', 'external', 'connections'],
      f.memory.map((m) => [m.when, mib(m.rss), mib(m.heapUsed), mib(m.external), int(m.connections)]),
    ),
  ].join('\n');
}
