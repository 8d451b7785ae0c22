/**
 * B2 idle connections: N WebSocket clients handshaken with heartbeats on, held idle by a gateway,
 * against a raw `ws` server holding N idle sockets. Server memory per connection is the server's
 * RSS after the connections minus its RSS before, over N, each read after a full garbage
 * collection; the growth between N/10 and N connections over the clients added is reported too, as
 * it leaves out what the first connections warm up once.
 */
import type { BenchContext, TargetStatus, WorkloadReport } from './harness/bench-context.js';
import { startGateway, startRawEcho, type RunningServers } from './harness/bench-servers.js';
import type { BenchChild } from './harness/child-processes.js';
import { resultOf, startGenerator } from './harness/load-generator.js';
import { openFileLimit } from './harness/machine.js';
import { int, kib, mib, ratio, table } from './harness/markdown.js';
import { rssBytes } from './harness/proc-stats.js';
import type { IdleParams } from './load/idle-load.js';

const SCALE = {
  full: { total: 10_000, heartbeatSec: 5 },
  quick: { total: 300, heartbeatSec: 1 },
};

/** One server's memory with N idle clients. */
export interface IdleRow {
  readonly server: string;
  readonly connections: number;
  /** Connections the server itself counted at the end. */
  readonly serverConnections: number;
  readonly heartbeatSec: number | undefined;
  readonly connectSeconds: number;
  readonly rssBefore: number;
  readonly rssFirstStep: number;
  readonly rssAfter: number;
  readonly heapUsedAfter: number;
  /** (RSS after − RSS before) / connections held. */
  readonly bytesPerConnection: number;
  /** (RSS after − RSS at N/10) / (connections held after − connections held at N/10). */
  readonly marginalBytesPerConnection: number;
  readonly closedEarly: number;
}

interface GcReport {
  readonly rss: number;
  readonly heapUsed: number;
  readonly connections: number;
}

/** Has the server collect garbage, then reads its RSS from /proc. */
async function collectedRss(servers: RunningServers, pid: number): Promise<GcReport> {
  const answer = servers.main.next((m) => m.event === 'gc', 30_000, 'gc report');
  servers.main.send('gc');
  const { heapUsed, connections } = await answer;
  return { rss: rssBytes(pid), heapUsed: heapUsed as number, connections: connections as number };
}

async function nextConnected(generator: BenchChild, count: number): Promise<void> {
  await generator.waitFor((m) => m.event === 'connected' && m.count === count, 180_000, `${count} connections`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measure(ctx: BenchContext, server: string, servers: RunningServers, pomelo: boolean): Promise<IdleRow> {
  const scale = ctx.quick ? SCALE.quick : SCALE.full;
  const pid = Object.values(servers.pids)[0]!;
  const first = Math.round(scale.total / 10);
  ctx.log(`B2 ${server}: ${scale.total} idle clients`);
  const before = await collectedRss(servers, pid);
  const params: IdleParams = { url: servers.url, pomelo, first, total: scale.total, heartbeatSec: scale.heartbeatSec };
  const generator = startGenerator('idle-load.ts', params);
  try {
    const connectStarted = performance.now();
    await nextConnected(generator, first);
    const firstStep = await collectedRss(servers, pid);
    generator.send('continue');
    await nextConnected(generator, scale.total);
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    generator.send('continue');
    // Hold a little over one heartbeat interval, so every client has sent and been answered.
    await sleep(scale.heartbeatSec * 1000 + 1000);
    const after = await collectedRss(servers, pid);
    generator.send('finish');
    const end = await resultOf<{ closedEarly: number }>(generator, 30_000);
    return {
      server,
      connections: scale.total,
      serverConnections: after.connections,
      heartbeatSec: pomelo ? scale.heartbeatSec : undefined,
      connectSeconds,
      rssBefore: before.rss,
      rssFirstStep: firstStep.rss,
      rssAfter: after.rss,
      heapUsedAfter: after.heapUsed,
      // Divided by what the server holds, in case a client was lost on the way.
      bytesPerConnection: (after.rss - before.rss) / after.connections,
      marginalBytesPerConnection: (after.rss - firstStep.rss) / (after.connections - firstStep.connections),
      closedEarly: end.closedEarly,
    };
  } finally {
    await generator.stop();
  }
}

/** Fails early, with the fix, when one process may not hold `total` sockets plus its own files. */
function checkOpenFileLimit(total: number): void {
  const limit = openFileLimit();
  if (limit !== 'unlimited' && Number(limit) < total + 200) {
    throw new Error(`B2 needs ${total + 200} open files per process, ulimit -n is ${limit}: raise it (ulimit -n 65536) and run again`);
  }
}

export async function runB2(ctx: BenchContext): Promise<WorkloadReport> {
  const nodeArgs = ['--expose-gc'];
  const scale = ctx.quick ? SCALE.quick : SCALE.full;
  checkOpenFileLimit(scale.total);
  const rows: IdleRow[] = [];
  const raw = await startRawEcho(nodeArgs);
  try {
    rows.push(await measure(ctx, 'raw ws', raw, false));
  } finally {
    await raw.stop();
  }
  const gateway = await startGateway({ heartbeatSec: scale.heartbeatSec, nodeArgs });
  try {
    rows.push(await measure(ctx, 'gateway', gateway, true));
  } finally {
    await gateway.stop();
  }
  const [base, ours] = [rows[0]!, rows[1]!];
  const r = ours.bytesPerConnection / base.bytesPerConnection;
  const targets: TargetStatus[] = [
    {
      target: 'B2: ≤ 1.25× raw ws bytes per idle connection',
      measured: `${ratio(r)} (${kib(ours.bytesPerConnection)} vs ${kib(base.bytesPerConnection)}; growth from N/10 to N: ${ratio(ours.marginalBytesPerConnection / base.marginalBytesPerConnection)})`,
      met: ctx.quick ? null : r <= 1.25,
    },
  ];
  return { id: 'B2', title: 'B2 idle connections', figures: { rows }, targets, markdown: render(rows) };
}

function render(rows: readonly IdleRow[]): string {
  const base = rows[0]!;
  return [
    `${int(base.connections)} WebSocket clients, opened 100 at a time by one generator process (\`ulimit -n\` must exceed the count;`,
    'see Machine). Gateway clients complete the pomelo handshake and send a heartbeat every interval; raw `ws` clients only open.',
    'RSS is read from `/proc/<pid>/status` after the server has run a full garbage collection (`--expose-gc`).',
    '',
    table(
      ['server', 'clients', 'held by server', 'heartbeat s', 'RSS before', 'RSS after', 'bytes per connection', 'growth N/10 → N per connection', '× raw ws', 'heap used after', 'connect time s'],
      rows.map((r) => [
        r.server,
        int(r.connections),
        int(r.serverConnections),
        r.heartbeatSec === undefined ? '–' : String(r.heartbeatSec),
        mib(r.rssBefore),
        mib(r.rssAfter),
        kib(r.bytesPerConnection),
        kib(r.marginalBytesPerConnection),
        ratio(r.bytesPerConnection / base.bytesPerConnection),
        mib(r.heapUsedAfter),
        r.connectSeconds.toFixed(1),
      ]),
    ),
  ].join('\n');
}
