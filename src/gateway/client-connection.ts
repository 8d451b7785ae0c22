import type { Logger } from 'pino';
import { RpcError } from '../rpc/errors.js';
import {
  decodeFramePackets,
  decodeMessage,
  encodeJsonBody,
  encodePacket,
  MessageType,
  PacketStreamDecoder,
  PacketType,
  parseHandshake,
  ProtocolError,
  SwitchyardError,
  type Packet,
} from '../wire/index.js';
import { inflateBody } from './body-compression.js';
import type { ClientSocket } from './client-socket.js';
import { isReservedRoute, routeNotFound } from './client-routes.js';
import type { Dispatcher } from './dispatcher.js';
import type { ResolvedGatewayOptions } from './options.js';
import { RateLimiter } from './rate-limiter.js';
import { handleHandshake } from './handshake-flow.js';
import type { ResumeManager } from './resume-manager.js';
import { Session, type BindHook, type SessionLink } from './session.js';
import type { TurnFlusher } from '../transport/index.js';

/** Connection states: handshake → (auth) → ack → open → closed. */
export const enum ConnState {
  AwaitHandshake,
  Authenticating,
  AwaitAck,
  Open,
  Closed,
}

/** What a connection needs from its gateway. */
export interface ConnectionHost {
  readonly options: ResolvedGatewayOptions;
  readonly dispatcher: Dispatcher;
  readonly flusher: TurnFlusher;
  readonly logger: Logger;
  readonly onBind: BindHook;
  /** Resumable sessions, when the gateway offers them. */
  readonly resume: ResumeManager | undefined;
  /**
   * Called once when the connection has ended, with why. `parkable`: the client may come back to
   * resume (the connection dropped) rather than having been kicked or having said goodbye.
   */
  connectionClosed(conn: ClientConnection, reason: string, parkable: boolean): void;
  /** Counts a drop by code: a ProtocolError code or one of GatewayErrorCodes (metrics). */
  countError(code: string): void;
}

/** Kick and close reasons the gateway itself gives. */
export const CloseReason = {
  handshakeTimeout: 'handshake timeout',
  heartbeatTimeout: 'heartbeat timeout',
  authTimeout: 'authentication timeout',
  authRefused: 'authentication refused',
  sendQueueFull: 'send queue overflow',
  shutdown: 'server shutting down',
  peerClosed: 'connection closed by peer',
  rateLimited: 'rate limited',
  resumeTimeout: 'resume timeout',
  resumeEvicted: 'resume evicted',
  resumedElsewhere: 'resumed on another connection',
  resumeFailed: 'resume failed',
} as const;

/**
 * One client connection: drives the protocol state machine, owns the session, and batches the
 * packets written to the client. Timing (deadlines, heartbeats) is read by the gateway's single
 * sweeping timer from the public fields below rather than by a timer per connection.
 */
export class ClientConnection implements SessionLink {
  state = ConnState.AwaitHandshake;
  /** Epoch ms by which the handshake (or authentication) must finish; 0 = none. */
  deadline: number;
  /** Epoch ms of the last packet from the client. */
  lastReceived: number;
  /** Epoch ms of the last heartbeat sent. */
  lastHeartbeatSent = 0;
  errorFlag = false;
  readonly #socket: ClientSocket;
  readonly #host: ConnectionHost;
  readonly #decoder: PacketStreamDecoder | undefined;
  readonly #limiter: RateLimiter | undefined;
  #session: Session;
  /** A resumed session's replay starts after this push number, at the handshake-ack. */
  #replayFrom: number | undefined;
  /** Packets queued this turn; none (not an empty array) while idle, as most connections are. */
  #out: Uint8Array[] | undefined;
  #outBytes = 0;
  readonly #onPacket = (p: Packet): void => this.#handlePacket(p);

  constructor(socket: ClientSocket, host: ConnectionHost, sessionId: string, now: number) {
    this.#socket = socket;
    this.#host = host;
    this.#decoder = socket.framed ? undefined : new PacketStreamDecoder(host.options.maxPacketSize);
    this.#session = new Session(sessionId, host.options.serverId, socket.remoteAddress, this, host.onBind);
    this.deadline = now + host.options.handshakeTimeoutMs;
    this.#limiter = host.options.rateLimit && new RateLimiter(host.options.rateLimit, now);
    this.lastReceived = now;
  }

  get open(): boolean {
    return this.state !== ConnState.Closed;
  }

  /** The session this connection serves: its own, or a resumed one it took over. */
  get session(): Session {
    return this.#session;
  }

  get remoteAddress(): string {
    return this.#socket.remoteAddress;
  }

  /** Takes over a resumed session; it is attached, and pushes after `replayFrom` sent, at the ack. */
  adopt(session: Session, replayFrom: number): void {
    this.#session = session;
    this.#replayFrom = replayFrom;
  }

  routeCode(route: string): number | undefined {
    return this.#host.options.dictionary.codeOf(route);
  }

  countPush(route: string): void {
    this.#host.options.observer?.messageOut(route, 1);
  }

  /** Feeds bytes from the transport: a whole WebSocket message, or a TCP chunk. */
  receive(bytes: Uint8Array): void {
    if (this.state === ConnState.Closed) return;
    this.lastReceived = Date.now();
    try {
      if (this.#decoder) this.#decoder.push(bytes, this.#onPacket);
      else decodeFramePackets(bytes, this.#host.options.maxPacketSize, this.#onPacket);
    } catch (err) {
      this.#protocolFailure(err);
    }
  }

  /**
   * Queues a packet; it is written with the others of this turn. A client whose unsent bytes pass
   * the limit is not reading: it is dropped so the gateway's memory stays bounded.
   */
  send(packet: Uint8Array): boolean {
    if (this.state === ConnState.Closed) return false;
    if (this.#outBytes === 0) this.#host.flusher.schedule(this);
    (this.#out ??= []).push(packet);
    this.#outBytes += packet.length;
    if (this.#outBytes + this.#socket.pendingBytes > this.#host.options.sendQueueLimit) {
      this.#host.countError('ERR_SEND_QUEUE_FULL');
      this.#terminate(CloseReason.sendQueueFull, true);
      return false;
    }
    return true;
  }

  /** Writes the queued packets as one transport write (called by the flusher). */
  flush(): void {
    const out = this.#out;
    if (!out || this.state === ConnState.Closed) return;
    const bytes = out.length === 1 ? out[0]! : Buffer.concat(out, this.#outBytes);
    this.#out = undefined;
    this.#outBytes = 0;
    this.#socket.write(bytes);
  }

  /** Sends a kick packet with `{"reason"}`, then closes once it is written. */
  kick(reason: string): void {
    if (this.state === ConnState.Closed) return;
    this.send(encodePacket(PacketType.Kick, encodeJsonBody({ reason })));
    this.close(reason);
  }

  /** Closes after flushing what is queued; `parkable` when a resumable session should wait for its client. */
  close(reason: string, parkable = false): void {
    if (this.state === ConnState.Closed) return;
    this.flush();
    this.#finish(reason, parkable);
    this.#socket.end();
  }

  /** Called by the transport when the socket has closed, whoever closed it. */
  socketClosed(): void {
    this.#finish(CloseReason.peerClosed, true);
  }

  /** Sends a heartbeat (the sweeper calls this on its interval). */
  sendHeartbeat(now: number): void {
    this.lastHeartbeatSent = now;
    this.send(HEARTBEAT_PACKET);
  }

  /** Drops the connection at once, without flushing (shutdown after the grace period). */
  destroy(reason: string): void {
    this.#terminate(reason, false);
  }

  #terminate(reason: string, parkable: boolean): void {
    this.#out = undefined;
    this.#outBytes = 0;
    this.#finish(reason, parkable);
    this.#socket.destroy();
  }

  #finish(reason: string, parkable: boolean): void {
    if (this.state === ConnState.Closed) return;
    this.state = ConnState.Closed;
    this.#host.connectionClosed(this, reason, parkable);
  }

  #protocolFailure(err: unknown): void {
    const code = err instanceof SwitchyardError ? err.code : 'ERR_INTERNAL';
    this.#host.countError(code);
    this.#host.logger.debug({ session: this.session.id, err }, 'protocol violation, closing connection');
    if (err instanceof ProtocolError) this.kick(err.code);
    else this.#terminate(code, false);
  }

  #handlePacket(p: Packet): void {
    // A kick earlier in the same frame or chunk ends the connection; the packets after it are not read.
    if (this.state === ConnState.Closed) return;
    switch (p.type) {
      case PacketType.Data:
        if (this.state !== ConnState.Open) throw new ProtocolError('ERR_STATE', 'data before handshake-ack');
        this.#handleData(p.body);
        return;
      case PacketType.Heartbeat:
        if (this.state === ConnState.Open) this.send(HEARTBEAT_PACKET);
        return;
      case PacketType.Handshake:
        if (this.state !== ConnState.AwaitHandshake) throw new ProtocolError('ERR_STATE', 'second handshake');
        handleHandshake(this, this.#host, parseHandshake(p.body));
        return;
      case PacketType.HandshakeAck:
        if (this.state !== ConnState.AwaitAck) throw new ProtocolError('ERR_STATE', 'handshake-ack out of order');
        this.#handleAck();
        return;
      case PacketType.Kick:
        this.close(CloseReason.peerClosed); // the client said goodbye: a resumable session ends too
        return;
    }
  }

  #handleAck(): void {
    this.state = ConnState.Open;
    const from = this.#replayFrom;
    if (from !== undefined) {
      this.#replayFrom = undefined;
      if (!this.#host.resume!.attach(this, from)) {
        this.#terminate(CloseReason.resumeFailed, false);
        return;
      }
    }
    const { requireAuth, authTimeoutMs } = this.#host.options;
    this.deadline = requireAuth && this.session.uid === undefined ? Date.now() + authTimeoutMs : 0;
  }

  #handleData(body: Uint8Array): void {
    const msg = decodeMessage(body, this.#host.options.dictionary);
    if (msg.type !== MessageType.Request && msg.type !== MessageType.Notify) {
      throw new ProtocolError('ERR_MESSAGE_TYPE', `clients may not send message type ${msg.type}`);
    }
    // Before inflating: a client over its limit must not make the gateway decompress its bodies.
    if (this.#limiter && !this.#limiter.take(this.lastReceived)) {
      this.#rateLimited(msg.type === MessageType.Request ? msg.id : undefined);
      return;
    }
    if (msg.compressed) {
      msg.body = inflateBody(msg.body, this.#host.options.maxPacketSize * 16);
      msg.compressed = false;
    }
    const { requireAuth } = this.#host.options;
    if (requireAuth && this.session.uid === undefined && !this.#host.dispatcher.isPublic(msg.route)) {
      if (msg.type === MessageType.Request) {
        this.session.respondError(msg.id, new RpcError('unauthenticated', `route ${msg.route} needs an authenticated session`));
      }
      return;
    }
    if (isReservedRoute(msg.route)) {
      if (msg.type === MessageType.Request) this.session.respondError(msg.id, routeNotFound(msg.route));
      return;
    }
    this.#host.options.observer?.messageIn(msg.route);
    this.#host.dispatcher.dispatch(this.session, msg);
  }

  /**
   * A data packet over the rate limit. `drop` answers a request with `unavailable`, the code that
   * tells a client to retry later (a later retry, at a lower rate, succeeds); a notify just vanishes.
   */
  #rateLimited(requestId: number | undefined): void {
    this.#host.countError('ERR_RATE_LIMITED');
    if (this.#host.options.rateLimit!.policy === 'kick') {
      this.kick(CloseReason.rateLimited);
      return;
    }
    if (requestId !== undefined) this.session.respondError(requestId, new RpcError('unavailable', 'rate limited: too many messages on this connection'));
  }

  /** Called by the sweeper when {@link deadline} has passed. */
  expire(): void {
    if (this.state === ConnState.Open) {
      this.deadline = 0;
      if (this.session.uid === undefined) this.kick(CloseReason.authTimeout);
      return;
    }
    this.#host.countError('ERR_HANDSHAKE_TIMEOUT');
    this.#terminate(CloseReason.handshakeTimeout, false);
  }
}

const HEARTBEAT_PACKET = encodePacket(PacketType.Heartbeat);
