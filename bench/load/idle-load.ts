/**
 * B2's load generator: opens many WebSocket clients (pomelo handshake and ack, or a bare socket for
 * the raw baseline) in two steps the orchestrator paces, so it can read the server's memory between
 * them, then keeps them idle but alive: each pomelo client sends a heartbeat once per heartbeat
 * interval, spread evenly over time by one timer for all of them.
 *
 * Commands on stdin: `continue` after each `connected` event, `finish` to close everything.
 * Usage: node --import tsx idle-load.ts '<IdleParams JSON>'
 */
import type WebSocket from 'ws';
import { childParams, emit, listenToParent } from '../harness/child-messages.js';
import { connectMany, openSocket, pomeloHandshake, sendHeartbeat } from './lean-pomelo-client.js';

/** What the orchestrator passes. */
export interface IdleParams {
  readonly url: string;
  readonly pomelo: boolean;
  /** Clients opened in the first step. */
  readonly first: number;
  /** Clients open after the second step. */
  readonly total: number;
  /** Heartbeat interval each pomelo client keeps, in seconds. */
  readonly heartbeatSec: number;
}

/** How often the heartbeat timer wakes, in ms; each wake serves a slice of the clients. */
const HEARTBEAT_TICK_MS = 250;

const params = childParams<IdleParams>();
const sockets: WebSocket[] = [];
let closedEarly = 0;
let step: (() => void) | undefined;

listenToParent((line) => {
  if (line === 'continue') step?.();
  if (line === 'finish') finish();
});

/** Opens one client; it joins the heartbeat rotation as soon as it is open, not when its step ends. */
async function open(): Promise<void> {
  const ws = await openSocket(params.url, 30_000);
  ws.once('close', () => closedEarly++);
  if (params.pomelo) await pomeloHandshake(ws, 30_000);
  sockets.push(ws);
}

async function openUpTo(count: number): Promise<void> {
  await connectMany(count - sockets.length, 100, open);
  emit('connected', { count: sockets.length, closedEarly });
  await new Promise<void>((resolve) => (step = resolve));
}

/** Every pomelo client sends one heartbeat per interval, a slice of them per tick. */
function keepAlive(): void {
  if (!params.pomelo) return;
  const ticksPerInterval = Math.max(1, Math.round((params.heartbeatSec * 1000) / HEARTBEAT_TICK_MS));
  let tick = 0;
  setInterval(() => {
    const slice = tick++ % ticksPerInterval;
    for (let i = slice; i < sockets.length; i += ticksPerInterval) sendHeartbeat(sockets[i]!);
  }, HEARTBEAT_TICK_MS);
}

function finish(): void {
  const open = sockets.length - closedEarly;
  for (const ws of sockets) ws.removeAllListeners('close').terminate();
  emit('result', { opened: sockets.length, closedEarly, openAtEnd: open });
  process.exit(0);
}

async function main(): Promise<void> {
  keepAlive();
  await openUpTo(params.first);
  await openUpTo(params.total);
  emit('holding', { count: sockets.length });
}

main().catch((err: unknown) => {
  emit('error', { message: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
