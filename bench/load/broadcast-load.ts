/**
 * B3's load generator: M WebSocket members (joined to the group through `bcast.join`, or bare
 * sockets for the raw baseline), then one member starts the broadcast. Each push's body carries
 * its send time on the system-wide monotonic clock; the generator counts deliveries and records
 * delivery latency until every push has reached every member or the time limit passes. Server CPU
 * is charged from the start of the broadcast to the last delivery.
 *
 * Usage: node --import tsx broadcast-load.ts '<BroadcastParams JSON>'
 */
import type WebSocket from 'ws';
import { childParams, emit, listenToParent } from '../harness/child-messages.js';
import { closeWindow, openWindow } from '../harness/measured-window.js';
import { LatencyRecorder } from '../harness/percentiles.js';
import { monotonicMicros, readStamp } from '../harness/payloads.js';
import { MessageType, PacketType, encodeJsonBody } from '../../src/wire/index.js';
import { connectMany, forEachPacket, MSG_RESPONSE, openSocket, pomeloHandshake, pushBodyOffset, requestPacket } from './lean-pomelo-client.js';

/** What the orchestrator passes. */
export interface BroadcastParams {
  readonly url: string;
  readonly pomelo: boolean;
  readonly members: number;
  /** Pushes the server sends. */
  readonly count: number;
  readonly intervalMs: number;
  /** Extra time allowed after the last push is due, in ms. */
  readonly graceMs: number;
  readonly serverPids: Record<string, number>;
}

const params = childParams<BroadcastParams>();
listenToParent();
const latencies = new LatencyRecorder();
const expected = params.members * params.count;
let delivered = 0;
let lastDelivery = 0;
let allDelivered: (() => void) | undefined;

/** Counts a push and its latency; the hot path of this generator, so no closure per frame. */
function onPacket(frame: Buffer, type: number, start: number): void {
  if (type !== PacketType.Data || ((frame[start]! >> 1) & 7) !== MessageType.Push) return;
  const sentAt = readStamp(frame, pushBodyOffset(frame, start));
  if (Number.isNaN(sentAt)) return;
  latencies.record((monotonicMicros() - sentAt) / 1000);
  lastDelivery = performance.now();
  if (++delivered === expected) allDelivered?.();
}

function onFrame(frame: Buffer): void {
  forEachPacket(frame, onPacket);
}

/** Sends a pomelo request and resolves when its response arrives. */
function request(ws: WebSocket, id: number, route: string, body: unknown): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (frame: Buffer): void => {
      forEachPacket(frame, (_frame, type, start) => {
        if (type !== PacketType.Data || ((frame[start]! >> 1) & 7) !== MSG_RESPONSE) return;
        ws.off('message', onMessage);
        resolve();
      });
    };
    ws.on('message', onMessage);
    ws.send(requestPacket(id, route, encodeJsonBody(body), undefined));
  });
}

async function openMember(): Promise<WebSocket> {
  const ws = await openSocket(params.url, 30_000);
  if (params.pomelo) {
    await pomeloHandshake(ws, 30_000);
    await request(ws, 1, 'bcast.join', {});
  }
  ws.on('message', onFrame);
  return ws;
}

async function main(): Promise<void> {
  const members = await connectMany(params.members, 100, openMember);
  emit('joined', { members: members.length });
  const done = new Promise<void>((resolve) => (allDelivered = resolve));
  const limitMs = params.count * params.intervalMs + params.graceMs;
  const window = openWindow(params.serverPids);
  if (params.pomelo) void request(members[0]!, 2, 'bcast.run', { count: params.count, intervalMs: params.intervalMs });
  else members[0]!.send(`run ${params.count} ${params.intervalMs}`);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
  clearTimeout(timer);
  const figures = closeWindow(window, params.serverPids);
  // Throughput counts from the start of the broadcast to the last delivery.
  const seconds = ((delivered > 0 ? lastDelivery : performance.now()) - window.started) / 1000;
  for (const ws of members) ws.terminate();
  emit('result', { ...figures, seconds, delivered, expected, latencyMs: latencies.summary() });
  process.exit(0);
}

main().catch((err: unknown) => {
  emit('error', { message: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
