/**
 * B1's load generator: C closed-loop WebSocket clients, each sending a request and sending the next
 * only when the reply arrives. It warms up, then measures a window bounded in time and in replies,
 * reading the servers' CPU time from /proc at the window's edges so the figure per server
 * CPU-second does not depend on how fast this process is.
 *
 * Usage: node --import tsx round-trip-load.ts '<RoundTripParams JSON>'
 */
import type WebSocket from 'ws';
import { childParams, emit, listenToParent } from '../harness/child-messages.js';
import { closeWindow, openWindow, type WindowFigures } from '../harness/measured-window.js';
import { LatencyRecorder, type LatencySummary } from '../harness/percentiles.js';
import { rssBytes } from '../harness/proc-stats.js';
import { MAX_MESSAGE_ID, PacketType, type RouteDictionary } from '../../src/wire/index.js';
import { connectMany, FLAG_ERROR_BIT, forEachPacket, MSG_RESPONSE, openSocket, pomeloHandshake, requestPacket } from './lean-pomelo-client.js';

/** What the orchestrator passes. */
export interface RoundTripParams {
  readonly url: string;
  readonly clients: number;
  /** Speak pomelo (handshake, requests, responses); false for the raw echo server. */
  readonly pomelo: boolean;
  readonly route: string;
  /** Request body, base64. */
  readonly body: string;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** The measured window also ends after this many replies. */
  readonly maxReplies: number;
  /** Server processes to charge, name → pid. */
  readonly serverPids: Record<string, number>;
}

/** What the generator reports. */
export interface RoundTripOutcome extends WindowFigures {
  readonly replies: number;
  readonly errors: number;
  readonly rssByProcess: Record<string, number>;
  readonly latencyMs: LatencySummary;
}

const params = childParams<RoundTripParams>();
listenToParent();
const body = Buffer.from(params.body, 'base64');
const latencies = new LatencyRecorder();
let replies = 0;
let errors = 0;
let running = true;
/** Whether replies count: false during the warm-up. */
let measuring = false;
let outstanding = 0;

/** One closed-loop client: at most one request in flight. */
class LoopClient {
  readonly #ws: WebSocket;
  readonly #dictionary: RouteDictionary | undefined;
  #id = 0;
  #sentAt = 0;
  #waiting = false;

  constructor(ws: WebSocket, dictionary: RouteDictionary | undefined) {
    this.#ws = ws;
    this.#dictionary = dictionary;
    ws.on('message', (frame: Buffer) => forEachPacket(frame, this.#onPacket));
  }

  send(): void {
    if (!running) return;
    this.#id = this.#id >= MAX_MESSAGE_ID ? 1 : this.#id + 1;
    this.#waiting = true;
    outstanding++;
    this.#sentAt = performance.now();
    this.#ws.send(requestPacket(this.#id, params.route, body, this.#dictionary));
  }

  close(): void {
    this.#ws.terminate();
  }

  /** Bound once per client: called for every packet, so no closure per message. */
  readonly #onPacket = (frame: Buffer, type: number, start: number): void => {
    if (type !== PacketType.Data || !this.#waiting) return;
    const flag = frame[start]!;
    // The raw echo server sends the request back: any data packet answers it.
    if (params.pomelo && ((flag >> 1) & 7) !== MSG_RESPONSE) return;
    this.#waiting = false;
    outstanding--;
    if (!running) return;
    if (measuring) {
      if (flag & FLAG_ERROR_BIT) errors++;
      replies++;
      latencies.record(performance.now() - this.#sentAt);
      if (replies >= params.maxReplies) running = false;
    }
    this.send();
  };
}

async function openClient(): Promise<LoopClient> {
  const ws = await openSocket(params.url);
  const info = params.pomelo ? await pomeloHandshake(ws) : undefined;
  return new LoopClient(ws, info?.dictionary);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const clients = await connectMany(params.clients, 100, openClient);
  emit('connected', { clients: clients.length });
  for (const c of clients) c.send();
  await sleep(params.warmupMs);
  measuring = true;
  const window = openWindow(params.serverPids);
  const deadline = window.started + params.durationMs;
  while (running && performance.now() < deadline) await sleep(Math.min(50, deadline - performance.now()));
  running = false;
  measuring = false;
  const figures = closeWindow(window, params.serverPids);
  const counted = replies;
  const rssByProcess: Record<string, number> = {};
  for (const [name, pid] of Object.entries(params.serverPids)) rssByProcess[name] = rssBytes(pid);
  // Let the last requests land before closing, so the servers log no aborted calls.
  for (let i = 0; i < 40 && outstanding > 0; i++) await sleep(25);
  for (const c of clients) c.close();
  const outcome: RoundTripOutcome = { ...figures, replies: counted, errors, rssByProcess, latencyMs: latencies.summary() };
  emit('result', { ...outcome });
  process.exit(0);
}

main().catch((err: unknown) => {
  emit('error', { message: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
