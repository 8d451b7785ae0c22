import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { encodeMessagePacket, MessageType, PACKET_HEADER_SIZE, RECONNECT_KICK_REASON } from '../wire/index.js';
import type { Acceptor, AcceptHost, Refusal } from './acceptor.js';
import { AddressLimits } from './address-limits.js';
import { ClientConnection, CloseReason, type ConnectionHost } from './client-connection.js';
import type { ClientSocket } from './client-socket.js';
import type { Dispatcher } from './dispatcher.js';
import { Group } from './group.js';
import { resolveGatewayOptions, type GatewayOptions, type ResolvedGatewayOptions } from './options.js';
import { ResumeManager, type ResumeHost } from './resume-manager.js';
import type { ResumableState, ResumeStore } from './resume-store.js';
import type { Session } from './session.js';
import { Sweeper, sweepPeriod } from './sweeper.js';
import { TcpAcceptor } from './tcp-acceptor.js';
import { TurnFlusher } from '../transport/index.js';
import { WsAcceptor } from './ws-acceptor.js';

/** Counters a gateway keeps (exported as metrics by the cluster layer). */
export interface GatewayStats {
  connections: number;
  connectionsTotal: number;
  /** Resumable sessions waiting for their client to come back (not counted in `connections`). */
  parked: number;
  /** Errors by code: protocol violations, timeouts, send-queue overflows. */
  errors: Record<string, number>;
}

/** Addresses the gateway's acceptors listen on, once started. */
export interface GatewayAddresses {
  ws?: { host: string; port: number };
  tcp?: { host: string; port: number };
}

/** Cluster hooks: told of sessions binding users and closing, after the gateway's own handling. */
export interface GatewayHooks {
  sessionBound?(session: Session, uid: string): void;
  sessionClosed?(session: Session, reason: string): void;
  /** A resumable session saved by another gateway (or an earlier process) was restored here as `session`. */
  sessionRestored?(session: Session, kept: ResumableState): void;
  /** Where resumable sessions are kept for other gateways to restore (with the `resume` option). */
  resumeStore?: ResumeStore;
}

/** Reason given to a user's older session when the same user logs in again. */
export const DUPLICATE_LOGIN_REASON = 'logged in elsewhere';

/** Creates a pino logger at SWITCHYARD_LOG_LEVEL (default info). */
export function defaultLogger(name: string): Logger {
  return pino({ name, level: process.env.SWITCHYARD_LOG_LEVEL ?? 'info' });
}

/** A short random tag for one gateway process (base36, no `-`): its session ids never repeat another process's. */
function processTag(): string {
  return randomBytes(5).readUIntBE(0, 5).toString(36).padStart(8, '0');
}

/**
 * The frontend: accepts WebSocket and TCP clients, runs their handshakes, heartbeats and deadlines,
 * keeps their sessions, and hands each request to a {@link Dispatcher}.
 */
export class Gateway implements ConnectionHost, AcceptHost, ResumeHost {
  readonly options: ResolvedGatewayOptions;
  readonly dispatcher: Dispatcher;
  readonly resume: ResumeManager | undefined;
  readonly flusher = new TurnFlusher();
  readonly logger: Logger;
  /**
   * What every session id of this process starts with: `<serverId>-<process tag>-`, the tag random
   * per process, so a restarted gateway never hands out an id its previous process used.
   */
  readonly sessionIdPrefix: string;
  readonly #connections = new Set<ClientConnection>();
  readonly #sessions = new Map<string, Session>();
  readonly #byUid = new Map<string, Session>();
  readonly #groups = new Map<string, Group>();
  readonly #acceptors: Acceptor[] = [];
  readonly #sweeper: Sweeper;
  readonly #closeWaiters = new Set<() => void>();
  readonly #addressLimits: AddressLimits;
  #counter = 0;
  #accepting = false;
  #total = 0;
  #errors: Record<string, number> = {};
  #addresses: GatewayAddresses = {};
  readonly #hooks: GatewayHooks;

  constructor(options: GatewayOptions, dispatcher: Dispatcher, hooks: GatewayHooks = {}) {
    this.#hooks = hooks;
    this.options = resolveGatewayOptions(options);
    this.dispatcher = dispatcher;
    this.logger = options.logger ?? defaultLogger(`gateway-${this.options.serverId}`);
    this.sessionIdPrefix = `${this.options.serverId}-${processTag()}-`;
    const o = this.options;
    this.resume = o.resume && new ResumeManager(o.resume, this, hooks.resumeStore);
    const deadlines = [o.handshakeTimeoutMs, o.authTimeoutMs, ...(o.resume ? [o.resume.graceMs] : [])];
    const alsoRun = this.resume && ((now: number): void => this.resume!.sweep(now));
    this.#sweeper = new Sweeper(this.#connections, o.heartbeatSec, sweepPeriod(o.heartbeatSec, ...deadlines), alsoRun);
    this.#addressLimits = new AddressLimits(o.maxConnectionsPerAddress, o.allowAddress, this.logger);
    // One WebSocket message may carry a few packets, each of which is still held to maxPacketSize.
    const maxMessage = 4 * (o.maxPacketSize + PACKET_HEADER_SIZE);
    const limits = { handshakeTimeoutMs: o.handshakeTimeoutMs };
    if (o.ws) this.#acceptors.push(new WsAcceptor(o.ws, this, maxMessage, limits));
    if (o.tcp) this.#acceptors.push(new TcpAcceptor(o.tcp, this, limits));
  }

  /** Starts listening on every configured acceptor. */
  async start(): Promise<GatewayAddresses> {
    const o = this.options;
    const [first, second] = await Promise.all(this.#acceptors.map((a) => a.listen()));
    this.#addresses = o.ws ? { ws: first, tcp: second } : { tcp: first };
    this.#accepting = true;
    this.#sweeper.start();
    this.logger.info(this.#addresses, 'gateway listening');
    return this.#addresses;
  }

  get addresses(): GatewayAddresses {
    return this.#addresses;
  }

  get stats(): GatewayStats {
    const parked = this.resume?.parkedCount ?? 0;
    return { connections: this.#connections.size, connectionsTotal: this.#total, parked, errors: { ...this.#errors } };
  }

  /** Every session this gateway holds now. */
  sessions(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /** The session with this id, if this gateway holds it. */
  session(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  /** The session bound to this user id, if this gateway holds it. */
  sessionOfUser(uid: string): Session | undefined {
    return this.#byUid.get(uid);
  }

  /** Pushes one body to several of this gateway's sessions, encoding the packet once; returns how many got it. */
  pushToSessions(sids: readonly string[], route: string, body: Uint8Array): number {
    const packet = encodeMessagePacket({ type: MessageType.Push, route, routeCode: this.options.dictionary.codeOf(route), body });
    let sent = 0;
    for (const sid of sids) if (this.#sessions.get(sid)?.sendPacket(packet)) sent++;
    this.options.observer?.messageOut(route, sent);
    return sent;
  }

  /** The group with this name, created on first use. */
  group(name: string): Group {
    let g = this.#groups.get(name);
    if (!g) {
      g = new Group(name, this.options.dictionary, this.options.observer);
      this.#groups.set(name, g);
    }
    return g;
  }

  /** Drops a group (its members stay connected). */
  deleteGroup(name: string): void {
    this.#groups.get(name)?.clear();
    this.#groups.delete(name);
  }

  /** Connections held from `address` (as the acceptors normalise it: IPv4-mapped IPv6 as IPv4). */
  connectionsFrom(address: string): number {
    return this.#addressLimits.count(address);
  }

  addressAllowed(remoteAddress: string): boolean {
    if (this.#addressLimits.allowed(remoteAddress)) return true;
    this.countError('ERR_ADDRESS_REFUSED');
    return false;
  }

  admit(remoteAddress: string): Refusal | undefined {
    if (!this.#accepting) return 'closing';
    let refusal: Refusal | undefined;
    if (!this.#addressLimits.allowed(remoteAddress)) refusal = 'ERR_ADDRESS_REFUSED';
    else if (this.#connections.size >= this.options.maxConnections) refusal = 'ERR_TOO_MANY_CONNECTIONS';
    else if (this.#addressLimits.full(remoteAddress)) refusal = 'ERR_TOO_MANY_FROM_ADDRESS';
    if (refusal !== undefined) this.countError(refusal);
    return refusal;
  }

  accept(socket: ClientSocket): ClientConnection {
    const conn = new ClientConnection(socket, this, `${this.sessionIdPrefix}${++this.#counter}`, Date.now());
    this.#addressLimits.add(socket.remoteAddress);
    this.#connections.add(conn);
    this.#sessions.set(conn.session.id, conn.session);
    this.#total++;
    this.options.observer?.connectionOpened();
    return conn;
  }

  readonly onBind = (session: Session, uid: string, previous: string | undefined): void => {
    if (previous !== undefined && this.#byUid.get(previous) === session) this.#byUid.delete(previous);
    const older = this.#byUid.get(uid);
    this.#byUid.set(uid, session);
    if (older && older !== session) older.kick(DUPLICATE_LOGIN_REASON);
    this.#hooks.sessionBound?.(session, uid);
  };

  connectionClosed(conn: ClientConnection, reason: string, parkable: boolean): void {
    this.#connections.delete(conn);
    this.#addressLimits.remove(conn.remoteAddress);
    this.options.observer?.connectionClosed();
    const s = conn.session;
    if (!s.linkedTo(conn)) this.resume?.released(conn, s, reason); // claimed for resume, never attached
    else if (!(parkable && this.resume?.park(s))) this.endSession(s, reason);
    if (this.#connections.size === 0) for (const w of this.#closeWaiters) w();
  }

  /**
   * Ends a session for good: out of the indexes, close hooks run, the cluster told. `moved`: it was
   * handed over and lives on at another gateway, so the cluster (backends, registry) is not told.
   */
  endSession(s: Session, reason: string, moved = false): void {
    if (s.closed) return;
    this.#sessions.delete(s.id);
    if (s.uid !== undefined && this.#byUid.get(s.uid) === s) this.#byUid.delete(s.uid);
    this.resume?.ended(s);
    s.markClosed(reason, (err) => this.logger.error({ err, session: s.id }, 'session close hook failed'));
    if (!moved) this.#hooks.sessionClosed?.(s, reason);
  }

  sessionRestored(session: Session, kept: ResumableState): void {
    this.#hooks.sessionRestored?.(session, kept);
  }

  /** Forgets a connection's unused fresh session when it takes over a resumed one. */
  discardSession(s: Session): void {
    this.#sessions.delete(s.id);
    s.markClosed(CloseReason.resumedElsewhere, () => {});
  }

  countError(code: string): void {
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
    this.options.observer?.error(code);
    if (code === 'ERR_SEND_QUEUE_FULL') this.options.observer?.sendQueueDrop();
  }

  /**
   * Stops accepting, kicks every client with `reason`, and waits up to `graceMs` for their sockets
   * to close before destroying the rest. With resume and a shared resume store, resumable sessions
   * are handed over instead: saved to the store first, their clients kicked with
   * {@link RECONNECT_KICK_REASON} so they resume at another gateway, and their pushes kept in the
   * store until another gateway takes them (at most `resume.handoverMs`).
   */
  async close(reason: string = CloseReason.shutdown, graceMs = 2000): Promise<void> {
    this.#accepting = false;
    this.#sweeper.stop();
    const closing = Promise.all(this.#acceptors.map((a) => a.close()));
    const resume = this.resume;
    const handedOver = resume?.canHandOver ? await resume.handOver(reason, [...this.#sessions.values()]) : undefined;
    if (handedOver?.size) this.logger.info({ clients: handedOver.size }, 'resumable sessions handed over; their clients reconnect elsewhere');
    resume?.closeAll(reason);
    for (const conn of [...this.#connections]) conn.kick(handedOver?.has(conn) ? RECONNECT_KICK_REASON : reason);
    await this.#allClosed(graceMs);
    for (const conn of [...this.#connections]) conn.destroy(reason);
    if (handedOver) {
      const left = await resume!.finishHandover();
      if (left > 0) this.logger.info({ sessions: left }, 'handed-over sessions not taken in time; they stay in the resume store');
    }
    await closing;
  }

  #allClosed(graceMs: number): Promise<void> {
    if (this.#connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#closeWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, graceMs);
      this.#closeWaiters.add(done);
    });
  }
}
