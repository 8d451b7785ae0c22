/**
 * Closed-loop clients, the load of B1 and B6: each client sends a request and the next only when
 * the reply arrives; replies and latencies count only inside a measured window, and each window
 * starts afresh. Pomelo clients by default; raw ones (no handshake, any data packet answers) for
 * the raw `ws` echo baseline.
 */
import type WebSocket from 'ws';
import { LatencyRecorder, type LatencySummary } from '../harness/percentiles.js';
import { MAX_MESSAGE_ID, PacketType, type RouteDictionary } from '../../src/wire/index.js';
import { connectMany, FLAG_ERROR_BIT, forEachPacket, MSG_RESPONSE, openSocket, pomeloHandshake, requestPacket } from './lean-pomelo-client.js';

/** What one window counted. */
export interface LoopWindow {
  readonly replies: number;
  readonly errors: number;
  readonly latencyMs: LatencySummary;
}

/** Shared state of a set of loops: whether they run, and the current window's counts. */
class LoopState {
  /** Raw clients: no handshake, and any data packet answers the request. */
  raw = false;
  /** A window ends the loops once it has counted this many replies. */
  maxReplies = Infinity;
  running = false;
  measuring = false;
  outstanding = 0;
  replies = 0;
  errors = 0;
  latencies = new LatencyRecorder();
}

/** One client: at most one request in flight. */
class LoopClient {
  readonly #ws: WebSocket;
  readonly #dictionary: RouteDictionary | undefined;
  readonly #state: LoopState;
  readonly #route: string;
  readonly #body: Uint8Array;
  #id = 0;
  #sentAt = 0;
  #waiting = false;

  constructor(ws: WebSocket, dictionary: RouteDictionary | undefined, state: LoopState, route: string, body: Uint8Array) {
    this.#ws = ws;
    this.#dictionary = dictionary;
    this.#state = state;
    this.#route = route;
    this.#body = body;
    ws.on('message', (frame: Buffer) => forEachPacket(frame, this.#onPacket));
  }

  send(): void {
    if (!this.#state.running) return;
    this.#id = this.#id >= MAX_MESSAGE_ID ? 1 : this.#id + 1;
    this.#waiting = true;
    this.#state.outstanding++;
    this.#sentAt = performance.now();
    this.#ws.send(requestPacket(this.#id, this.#route, this.#body, this.#dictionary));
  }

  close(): void {
    this.#ws.terminate();
  }

  /** Bound once per client: called for every packet, so no closure per message. */
  readonly #onPacket = (frame: Buffer, type: number, start: number): void => {
    if (type !== PacketType.Data || !this.#waiting) return;
    const flag = frame[start]!;
    if (!this.#state.raw && ((flag >> 1) & 7) !== MSG_RESPONSE) return;
    this.#waiting = false;
    const state = this.#state;
    state.outstanding--;
    if (!state.running) return;
    if (state.measuring) {
      if (flag & FLAG_ERROR_BIT) state.errors++;
      state.replies++;
      state.latencies.record(performance.now() - this.#sentAt);
      if (state.replies >= state.maxReplies) state.running = false;
    }
    this.send();
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Options of {@link ClosedLoopClients.connect}. */
export interface ClosedLoopOptions {
  /** Speak pomelo (default); false for raw clients. */
  readonly pomelo?: boolean;
  /** A window stops the loops once it has counted this many replies. Default unbounded. */
  readonly maxReplies?: number;
}

/** C closed-loop clients of one route, measured in windows. */
export class ClosedLoopClients {
  readonly #state: LoopState;
  readonly #clients: LoopClient[];

  private constructor(clients: LoopClient[], state: LoopState) {
    this.#clients = clients;
    this.#state = state;
  }

  /** Connects (and, for pomelo, handshakes) `count` clients, 100 at a time, that will send `body` on `route`. */
  static async connect(url: string, count: number, route: string, body: Uint8Array, options: ClosedLoopOptions = {}): Promise<ClosedLoopClients> {
    const state = new LoopState();
    state.raw = options.pomelo === false;
    state.maxReplies = options.maxReplies ?? Infinity;
    const clients = await connectMany(count, 100, async () => {
      const ws = await openSocket(url);
      const info = state.raw ? undefined : await pomeloHandshake(ws);
      return new LoopClient(ws, info?.dictionary, state, route, body);
    });
    return new ClosedLoopClients(clients, state);
  }

  /** False once stopped, or once a window reached its reply limit. */
  get running(): boolean {
    return this.#state.running;
  }

  /** Starts every loop (not measured until a window opens). */
  start(): void {
    this.#state.running = true;
    for (const c of this.#clients) c.send();
  }

  /** Starts counting afresh. */
  openWindow(): void {
    const s = this.#state;
    s.replies = 0;
    s.errors = 0;
    s.latencies = new LatencyRecorder();
    s.measuring = true;
  }

  /** Stops counting and returns what the window counted; the loops keep running. */
  closeWindow(): LoopWindow {
    const s = this.#state;
    s.measuring = false;
    return { replies: s.replies, errors: s.errors, latencyMs: s.latencies.summary() };
  }

  /** Stops the loops, lets the last requests land (bounded), and closes every client. */
  async stop(): Promise<void> {
    this.#state.running = false;
    this.#state.measuring = false;
    for (let i = 0; i < 40 && this.#state.outstanding > 0; i++) await sleep(25);
    for (const c of this.#clients) c.close();
  }
}
