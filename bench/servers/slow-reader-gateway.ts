/**
 * B6's gateway: the same gateway and bench handlers as B1(b) and B3 (`createApp` with
 * bench-app.ts: `echo.echo` answers the round-trip clients), plus a group `flood` that members
 * join with `flood.join {cohort}` and that the gateway pushes a padded JSON body to on a timer.
 * It records, per cohort, why each member's session ended and how long after joining, so the
 * workload can say which slow readers the gateway dropped, for what reason and when. Prints `{"event":"ready","port":…}` once it accepts
 * WebSocket clients.
 *
 * Commands on stdin (one per line), each answered by one event line:
 * - `flood <bytes> <intervalMs>`: starts the pushes (`flooding`);
 * - `stats`: memory as V8 sees it, connections, group size, drops (`stats`);
 * - `gc`: a full collection (with --expose-gc), then the same figures (`gc`).
 *
 * Usage: node --expose-gc --import tsx slow-reader-gateway.ts '{"sendQueueLimit":1048576}'
 */
import { createApp, type HandlerContext } from '../../src/index.js';
import { childParams, emit, listenToParent } from '../harness/child-messages.js';
import setup from './bench-app.js';

/** What the workload passes. */
export interface SlowReaderGatewayParams {
  /** The gateway's `sendQueueLimit` in bytes; the gateway's default (1 MiB) when absent. */
  readonly sendQueueLimit?: number;
  readonly heartbeatSec?: number;
}

/** The group the slow readers (and, in the baseline, the well-behaved readers) belong to. */
export const FLOOD_GROUP = 'flood';
/** Route of the group's pushes. */
export const FLOOD_ROUTE = 'flood.tick';

/** What became of the members that joined under one cohort name (`readers`, `slow`). */
export interface CohortStats {
  readonly joined: number;
  /** Members whose session ended, by the reason the gateway gave. */
  readonly closeReasons: Record<string, number>;
  /** Shortest and longest time from joining to the session's end, in ms (0 before any end). */
  readonly minLifetimeMs: number;
  readonly maxLifetimeMs: number;
}

/** What a `stats` or `gc` event carries. */
export interface SlowReaderStats {
  readonly heapUsed: number;
  readonly heapTotal: number;
  /** Memory of Buffers and other objects outside the V8 heap (queued packets live here). */
  readonly external: number;
  readonly connections: number;
  readonly groupSize: number;
  readonly cohorts: Record<string, CohortStats>;
  /** The gateway's error counters (`ERR_SEND_QUEUE_FULL`, …). */
  readonly errors: Record<string, number>;
  readonly pushes: number;
}

const params = childParams<SlowReaderGatewayParams>();
const app = createApp({
  serverId: 'gate',
  gateway: {
    ws: { host: '127.0.0.1', port: 0 },
    heartbeatSec: params.heartbeatSec ?? 20,
    maxConnections: 100_000,
    ...(params.sendQueueLimit ? { sendQueueLimit: params.sendQueueLimit } : {}),
  },
});
await setup(app);

let pushes = 0;
const cohorts = new Map<string, { joined: number; closeReasons: Record<string, number>; lifetimes: number[] }>();

app.handler('flood', {
  join(body: { cohort?: string }, ctx: HandlerContext) {
    const name = String(body?.cohort ?? 'members');
    let cohort = cohorts.get(name);
    if (!cohort) cohorts.set(name, (cohort = { joined: 0, closeReasons: {}, lifetimes: [] }));
    const c = cohort;
    c.joined++;
    const joinedAt = performance.now();
    ctx.session.onClose((_session, reason) => {
      c.lifetimes.push(performance.now() - joinedAt);
      c.closeReasons[reason] = (c.closeReasons[reason] ?? 0) + 1;
    });
    app.group(FLOOD_GROUP).add(ctx.session);
    return { ok: true };
  },
});

/** A JSON body of exactly `bytes` bytes: `{"p":"xx…"}`. */
function paddedBody(bytes: number): Buffer {
  return Buffer.from(`{"p":"${'x'.repeat(Math.max(0, bytes - 8))}"}`, 'latin1');
}

let timer: NodeJS.Timeout | undefined;

function flood(bytes: number, intervalMs: number): void {
  clearInterval(timer);
  const body = paddedBody(bytes);
  const group = app.group(FLOOD_GROUP);
  timer = setInterval(() => {
    group.broadcastBytes(FLOOD_ROUTE, body);
    pushes++;
  }, Math.max(1, intervalMs));
}

function stats(): SlowReaderStats {
  const m = process.memoryUsage();
  const s = app.gateway.stats;
  return {
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    connections: s.connections,
    groupSize: app.group(FLOOD_GROUP).size,
    cohorts: Object.fromEntries(
      [...cohorts].map(([name, c]) => [
        name,
        {
          joined: c.joined,
          closeReasons: { ...c.closeReasons },
          minLifetimeMs: c.lifetimes.length ? Math.min(...c.lifetimes) : 0,
          maxLifetimeMs: c.lifetimes.length ? Math.max(...c.lifetimes) : 0,
        },
      ]),
    ),
    errors: s.errors,
    pushes,
  };
}

listenToParent((line) => {
  const [command, ...args] = line.split(/\s+/);
  if (command === 'flood') {
    flood(Number(args[0]), Number(args[1]));
    emit('flooding', {});
  } else if (command === 'stats') {
    emit('stats', { ...stats() });
  } else if (command === 'gc') {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    emit('gc', { collected: gc !== undefined, ...stats() });
  }
});

const addresses = await app.start();
emit('ready', { port: addresses.ws!.port });
