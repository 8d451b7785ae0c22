/**
 * The soak run's connections: opening a slot's client (plain or TLS, one gateway's URL or, for a
 * resumable session, both gateways'), telling apart how each connection ended (closed by the run,
 * lost to a fault, or lost otherwise) and how each resumable session fared over a reconnect, and
 * the dropper that ends a connection on purpose every so often.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, RpcError, socketForUrl, type ClientTlsOptions } from '../../src/client/index.js';
import { POKE_PUSH, SAY_PUSH, type PokePush, type SayPush } from '../soak-app.js';
import { gatewayUrl, type Conn, type EndReason, type GatewayAddress, type Slot } from './clients.js';
import type { FaultLog } from './faults.js';
import type { PushLedger } from './pushes.js';

/** Connection events of the run. */
export interface ConnectionSummary {
  socketDropsOnPurpose: number;
  freshReconnectsOnPurpose: number;
  sdkReconnects: number;
  unexpectedDisconnects: number;
  unexpectedCloses: number;
  /** Connections that ended because their gateway was killed (resumable: lost and reconnecting; others: closed). */
  lostToFault: number;
  /** Times the run asked the server for a session's user and room, after an answer or a resume left them unknown. */
  stateReloads: number;
  /**
   * Resumable sessions after a reconnect, by why the connection went (`deliberate`, `fault`,
   * `unexpected`) and how the session came back: `resumed` whole, `resync` without the pushes it
   * missed, `expired` refused (a new session).
   */
  resumes: Record<string, number>;
  kicks: Record<string, number>;
  connectFailures: Record<string, number>;
  /** Connects that failed while every gateway the client tried was down by a fault. */
  connectFailuresWhileGatewayDown: Record<string, number>;
  clientErrorEvents: Record<string, number>;
  /** A reply that did not match its request (wrong echo number or room). */
  mismatchedReplies: number;
  /** A poke the server answered `delivered: false` for a user logged in and connected throughout. */
  pokesNotFound: number;
  samples: string[];
}

/** What the links need to know about the run. */
export interface LinkOptions {
  readonly gateways: readonly GatewayAddress[];
  /** Request deadline, in ms. */
  readonly timeoutMs: number;
  /** Period of deliberate disconnects, in ms (one client each time). */
  readonly dropEveryMs: number;
  /** Gateways offer resumable sessions: clients that are not resumable then connect without the SDK's reconnect, which would ask for one. */
  readonly resumeOffered: boolean;
  /** The CA that signed the gateways' certificate, for `wss://` and `tls://`. */
  readonly caPem: string | undefined;
}

const MAX_SAMPLES = 40;

export function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

export function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

/** The code of a failure, whatever was thrown. */
export function codeOf(err: unknown): string {
  return err instanceof RpcError ? err.code : 'non_rpc_error';
}

/** Opens, watches and ends the slots' connections. */
export class Links {
  readonly summary: ConnectionSummary = {
    socketDropsOnPurpose: 0,
    freshReconnectsOnPurpose: 0,
    sdkReconnects: 0,
    unexpectedDisconnects: 0,
    unexpectedCloses: 0,
    lostToFault: 0,
    stateReloads: 0,
    resumes: {},
    kicks: {},
    connectFailures: {},
    connectFailuresWhileGatewayDown: {},
    clientErrorEvents: {},
    mismatchedReplies: 0,
    pokesNotFound: 0,
    samples: [],
  };
  readonly #options: LinkOptions;
  readonly #pushes: PushLedger;
  readonly #faults: FaultLog;
  readonly #startedAt: number;
  readonly #gatewayOfUrl = new Map<string, GatewayAddress>();
  readonly #tls: ClientTlsOptions | undefined;

  constructor(options: LinkOptions, pushes: PushLedger, faults: FaultLog, startedAt: number) {
    this.#options = options;
    this.#pushes = pushes;
    this.#faults = faults;
    this.#startedAt = startedAt;
    this.#tls = options.caPem === undefined ? undefined : { ca: options.caPem };
    for (const g of options.gateways) for (const t of ['ws', 'tcp'] as const) this.#gatewayOfUrl.set(gatewayUrl(g, t), g);
  }

  note(text: string): void {
    if (this.summary.samples.length < MAX_SAMPLES) this.summary.samples.push(`${Date.now() - this.#startedAt} ms: ${text}`);
  }

  /** The URLs a slot connects to: its gateway's, then for a resumable session the other gateway's. */
  #urls(slot: Slot): string[] {
    const own = slot.url;
    if (!slot.resumable) return [own];
    return [own, ...this.#options.gateways.filter((g) => g.id !== slot.gateway.id).map((g) => gatewayUrl(g, slot.transport))];
  }

  /** Whether every gateway of `urls` is down by a fault now. */
  #allDown(urls: readonly string[]): boolean {
    const now = Date.now();
    return urls.every((u) => this.#faults.gatewayDown(this.#gatewayOfUrl.get(u)!.id, now));
  }

  /** Opens a connection for the slot; waits a little after a failure. */
  async connect(slot: Slot): Promise<void> {
    const urls = this.#urls(slot);
    const sdkReconnect = slot.resumable || !this.#options.resumeOffered;
    let conn: Conn | undefined;
    let socket: Conn['socket'];
    try {
      const client = await connect(urls, {
        timeoutMs: this.#options.timeoutMs,
        reconnect: sdkReconnect ? { initialDelayMs: 100, maxDelayMs: 2000 } : undefined,
        tls: this.#tls,
        socket: async (u, handlers) => {
          socket = await socketForUrl(u, this.#tls)(u, handlers);
          if (conn) conn.socket = socket;
          return socket;
        },
      });
      conn = { client, socket };
      slot.conn = conn;
      slot.gateway = this.#gatewayOfUrl.get(client.url) ?? slot.gateway;
      this.#listen(slot, conn);
    } catch (err) {
      if (this.#allDown(urls)) bump(this.summary.connectFailuresWhileGatewayDown, codeOf(err));
      else {
        bump(this.summary.connectFailures, codeOf(err));
        this.note(`connect ${slot.describe()} failed: ${(err as Error).message}`);
      }
      await sleep(500);
    }
  }

  /** Why the slot's connection ended: the run closed it, its gateway was killed, or neither. */
  #lossReason(slot: Slot, conn: Conn): EndReason {
    if (slot.lossExpected) return 'deliberate';
    const g = this.#gatewayOfUrl.get(conn.client.url);
    return g && this.#faults.gatewayDown(g.id, Date.now()) ? 'fault' : 'unexpected';
  }

  /** Push and connection listeners of one connection; events of a connection the slot has left are ignored. */
  #listen(slot: Slot, conn: Conn): void {
    const { client } = conn;
    const current = (): boolean => slot.conn === conn;
    let kicked = false;
    let lastLoss: EndReason = 'unexpected';
    let sessionId = client.sessionId;
    /** Where and since when the session waited while away. */
    let parked = { gateway: slot.gateway.id, since: 0 };
    client.on<SayPush>(SAY_PUSH, (body) => this.#pushes.deliver(slot.index, 'say', body.id));
    client.on<PokePush>(POKE_PUSH, (body) => this.#pushes.deliver(slot.index, 'poke', body.id));
    const lost = (err: RpcError | undefined, what: string): EndReason => {
      const reason = this.#lossReason(slot, conn);
      slot.lossExpected = false;
      if (reason === 'fault') this.summary.lostToFault++;
      if (reason === 'unexpected') this.note(`unexpected ${what} of ${slot.describe()}: ${err?.code} ${err?.message}`);
      return reason;
    };
    client.on('disconnect', (err) => {
      if (!current()) return;
      lastLoss = lost(err, 'disconnect');
      parked = { gateway: slot.gateway.id, since: Date.now() };
      if (lastLoss === 'unexpected') this.summary.unexpectedDisconnects++;
      slot.endLink(lastLoss);
    });
    client.on('reconnect', () => {
      if (!current()) return;
      this.summary.sdkReconnects++;
      slot.gateway = this.#gatewayOfUrl.get(client.url) ?? slot.gateway;
    });
    client.on('resume', () => {
      if (!current()) return;
      slot.back();
      bump(this.summary.resumes, `${lastLoss}:resumed`);
      slot.note(`resumed on ${slot.gateway.id}`);
    });
    client.on('resync', (why) => {
      if (!current()) return;
      slot.back();
      const before = sessionId;
      sessionId = client.sessionId;
      // A gateway's workers share its ports: a reconnect may reach a worker other than the one holding the parked session.
      const sibling = why === 'resync' && before !== undefined && sessionId !== undefined && workerOf(before) !== workerOf(sessionId) && gatewayOfWorker(before) === gatewayOfWorker(sessionId);
      // A session parked on a gateway that a fault killed while it was away died with that gateway.
      const cause = lastLoss !== 'fault' && this.#faults.overlaps(parked.since, Date.now(), ['kill-gateway'], parked.gateway) ? 'fault' : lastLoss;
      bump(this.summary.resumes, `${cause}:${why}${sibling ? ' on a sibling worker' : ''}`);
      slot.note(`${why} on ${slot.gateway.id}: session ${before} -> ${sessionId}`);
      if (cause === 'deliberate' && !sibling) this.note(`${slot.describe()} lost on purpose on ${parked.gateway} came back ${why} on ${slot.gateway.id}: session ${before} -> ${sessionId}`);
      if (why === 'resync') slot.uncertain('resumeResync');
      else slot.endEpoch('resumeExpired');
    });
    client.on('kick', (reason) => {
      if (!current()) return;
      kicked = true;
      bump(this.summary.kicks, reason || '(none)');
      this.note(`kick of ${slot.describe()}: ${reason}`);
      slot.endEpoch('kicked');
    });
    client.on('close', (err) => {
      if (!current()) return;
      slot.conn = undefined;
      if (kicked) return; // counted as a kick; the session already ended
      const reason = lost(err, 'close');
      if (reason === 'unexpected') this.summary.unexpectedCloses++;
      slot.endEpoch(reason);
    });
    client.on('error', (err) => {
      bump(this.summary.clientErrorEvents, err.code);
      this.note(`client error on ${slot.describe()}: ${err.code} ${err.message}`);
    });
  }

  /** Closes a slot's client without counting it as a disconnect: the slot lets go of it first. */
  async closeQuietly(slot: Slot): Promise<void> {
    const conn = slot.conn;
    slot.conn = undefined;
    await conn?.client.close();
  }

  /** Every `dropEveryMs`, ends one logged-in client's connection on purpose, alternating the two ways. */
  async dropper(slots: readonly Slot[], stopped: AbortSignal): Promise<void> {
    let n = 0;
    while (!stopped.aborted) {
      await sleep(this.#options.dropEveryMs, undefined, { signal: stopped }).catch(() => undefined);
      if (stopped.aborted) return;
      const slot = dropTarget(slots);
      if (!slot) continue;
      if (n++ % 2 === 0) this.#dropSocket(slot);
      else this.#dropClient(slot);
    }
  }

  /**
   * Closes the socket under the SDK: with its reconnect on, it reports a disconnect and reconnects
   * to the same gateway (a resumable session comes back whole); without, the client closes.
   */
  #dropSocket(slot: Slot): void {
    this.summary.socketDropsOnPurpose++;
    slot.note('socket closed on purpose');
    slot.lossExpected = true;
    slot.conn!.socket?.close();
  }

  /** Closes the client; the loop connects a new one, to a gateway and transport chosen at random. */
  #dropClient(slot: Slot): void {
    this.summary.freshReconnectsOnPurpose++;
    const conn = slot.conn!;
    slot.endEpoch('deliberate');
    slot.conn = undefined;
    slot.gateway = pick(this.#options.gateways);
    slot.transport = Math.random() < 0.5 ? 'ws' : 'tcp';
    void conn.client.close();
  }
}

/** The server part of a session id (`gate1_0` of `gate1_0-0k3x9q2a-17`: server id, process tag, counter). */
function workerOf(sessionId: string): string {
  return sessionId.slice(0, sessionId.indexOf('-'));
}

/** The gateway of a server id (`gate1` of `gate1_0`): workers are `<id>_<n>`. */
function gatewayOfWorker(sessionId: string): string {
  return workerOf(sessionId).replace(/_\d+$/, '');
}

function dropTarget(slots: readonly Slot[]): Slot | undefined {
  for (let i = 0; i < 10; i++) {
    const s = pick(slots);
    if (s.ready && !s.lossExpected) return s;
  }
  return undefined;
}
