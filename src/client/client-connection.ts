import { RpcError } from '../rpc/errors.js';
import { ProtocolError } from '../wire/errors.js';
import { parseJsonBody } from '../wire/json-body.js';
import { decodeMessage, MessageType, type Message } from '../wire/message.js';
import { encodePacket, PacketType, type Packet } from '../wire/packet.js';
import { encodeClientHandshake, readHandshakeAnswer, type HandshakeResult } from './client-handshake.js';
import type { ResumeAsk } from './client-resume.js';
import type { ClientSocket, OpenSocket } from './client-socket.js';
import { Heartbeat } from './heartbeat.js';
import { createPacketReader, type PacketReader } from './packet-reader.js';

/** What a connection tells its client once the handshake is done. Implementations must not throw. */
export interface ConnectionSink {
  /** The handshake answer arrived; called before any packet after it is handled. */
  onHandshake?(result: HandshakeResult): void;
  /** A response or a push arrived. */
  onMessage(msg: Message): void;
  /** The server kicked this client; `onLost` follows at once. */
  onKick(reason: string): void;
  /** The connection is gone; `fault` when it died of bad input or silence rather than a close. */
  onLost(error: RpcError, fault: boolean): void;
}

/** What one connection attempt needs. */
export interface ConnectionOptions {
  user: Record<string, unknown>;
  /** `sys.resume` to send: ask for a resumable session, or resume one. Default: none. */
  resume?: ResumeAsk;
  handshakeTimeoutMs: number;
  maxPacketSize: number;
  /** Abandons the attempt (the client was closed while connecting). */
  signal?: AbortSignal;
}

/** Connection states, in order; a connection never goes back. */
const enum State {
  Opening,
  Handshaking,
  Open,
  Closed,
}

const HEARTBEAT_PACKET = encodePacket(PacketType.Heartbeat);

/** Turns anything a packet handler threw into the error the client reports. */
function toFailure(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  if (err instanceof ProtocolError) return new RpcError('bad_payload', `server broke the protocol: ${err.message}`, { cause: err });
  return new RpcError('bad_payload', `bad handshake answer: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

function kickReason(body: Uint8Array): string {
  try {
    const value = parseJsonBody(body) as { reason?: unknown } | undefined;
    return typeof value?.reason === 'string' ? value.reason : '';
  } catch {
    return '';
  }
}

/**
 * One socket's life: open, handshake, heartbeats, packet decoding, kick. It never reconnects and
 * never throws at its caller: every failure ends in a rejected `open` or a single `onLost`.
 */
export class ClientConnection {
  #state = State.Opening;
  #socket: ClientSocket | undefined;
  #reader: PacketReader | undefined;
  /** Bytes that arrived before the socket's open promise settled (possible on Node). */
  #early: Uint8Array[] | undefined = [];
  #heartbeat: Heartbeat | undefined;
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  #handshake: HandshakeResult | undefined;
  #opened!: { resolve(): void; reject(err: RpcError): void };
  #socketDone!: () => void;
  readonly #socketClosed = new Promise<void>((resolve) => (this.#socketDone = resolve));
  readonly #sink: ConnectionSink;
  readonly #options: ConnectionOptions;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.#fail(new RpcError('cancelled', 'client closed while connecting'), false);

  private constructor(sink: ConnectionSink, options: ConnectionOptions) {
    this.#sink = sink;
    this.#options = options;
    this.#signal = options.signal;
  }

  /** Opens a socket and completes the handshake; rejects with an RpcError. */
  static open(url: string, openSocket: OpenSocket, options: ConnectionOptions, sink: ConnectionSink): Promise<ClientConnection> {
    return new ClientConnection(sink, options).#open(url, openSocket);
  }

  /** The server's handshake answer. */
  get handshake(): HandshakeResult {
    return this.#handshake!;
  }

  /** Whether packets can be sent. */
  get isOpen(): boolean {
    return this.#state === State.Open;
  }

  /** Sends one encoded packet; false when the connection is no longer open. */
  send(packet: Uint8Array): boolean {
    if (this.#state !== State.Open) return false;
    this.#socket!.send(packet);
    return true;
  }

  /** Closes the connection (reported as `error`); resolves once the socket is gone. */
  close(error: RpcError): Promise<void> {
    this.#fail(error, false);
    return this.#socketClosed;
  }

  #open(url: string, openSocket: OpenSocket): Promise<ClientConnection> {
    const { handshakeTimeoutMs } = this.#options;
    return new Promise<ClientConnection>((resolve, reject) => {
      this.#opened = { resolve: () => resolve(this), reject };
      if (this.#signal?.aborted) {
        this.#onAbort();
        return;
      }
      this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
      this.#handshakeTimer = setTimeout(
        () => this.#fail(new RpcError('deadline_exceeded', `no handshake within ${handshakeTimeoutMs} ms`), false),
        handshakeTimeoutMs,
      );
      const handlers = { onData: (b: Uint8Array) => this.#onData(b), onClose: (e?: Error) => this.#onSocketClose(e) };
      // Wrapped so a transport that throws instead of rejecting is handled the same way.
      new Promise<ClientSocket>((opened) => opened(openSocket(url, handlers))).then(
        (socket) => this.#onSocketOpen(socket),
        (err: unknown) => {
          const detail = err instanceof Error ? err.message : String(err);
          this.#fail(new RpcError('unavailable', `cannot connect to ${url}: ${detail}`, { cause: err }), false);
        },
      );
    });
  }

  #onSocketOpen(socket: ClientSocket): void {
    this.#socket = socket;
    if (this.#state === State.Closed) {
      socket.close(); // timed out or closed while the socket was opening
      return;
    }
    this.#state = State.Handshaking;
    this.#reader = createPacketReader(socket.framing, this.#options.maxPacketSize);
    socket.send(encodePacket(PacketType.Handshake, encodeClientHandshake(this.#options.user, this.#options.resume)));
    const early = this.#early!;
    this.#early = undefined;
    for (const bytes of early) this.#onData(bytes);
  }

  #onData(bytes: Uint8Array): void {
    if (this.#early) {
      this.#early.push(bytes);
      return;
    }
    if (this.#state === State.Closed) return;
    this.#heartbeat?.touch();
    try {
      this.#reader!.push(bytes, (p) => this.#onPacket(p));
    } catch (err) {
      this.#fail(toFailure(err), !(err instanceof RpcError));
    }
  }

  #onPacket(p: Packet): void {
    if (this.#state === State.Closed) return; // a packet after a kick in the same frame
    switch (p.type) {
      case PacketType.Handshake:
        if (this.#state !== State.Handshaking) throw new ProtocolError('ERR_STATE', 'second handshake answer');
        this.#onHandshake(p.body);
        break;
      case PacketType.Heartbeat:
        break; // liveness was counted in #onData; our own timer sends ours
      case PacketType.Data:
        if (this.#state !== State.Open) throw new ProtocolError('ERR_STATE', 'data before the handshake answer');
        this.#onMessage(p.body);
        break;
      case PacketType.Kick:
        this.#onKick(p.body);
        break;
      default:
        throw new ProtocolError('ERR_STATE', `packet type ${p.type} is never sent by a server`);
    }
  }

  #onHandshake(body: Uint8Array): void {
    const result = readHandshakeAnswer(body);
    clearTimeout(this.#handshakeTimer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#handshake = result;
    this.#state = State.Open;
    this.#sink.onHandshake?.(result);
    this.#socket!.send(encodePacket(PacketType.HandshakeAck));
    if (result.heartbeatMs > 0) {
      const silence = new RpcError('unavailable', `server silent for ${2 * result.heartbeatMs} ms`);
      this.#heartbeat = new Heartbeat(result.heartbeatMs, () => this.send(HEARTBEAT_PACKET), () => this.#fail(silence, true));
      this.#heartbeat.start();
    }
    this.#opened.resolve();
  }

  #onMessage(body: Uint8Array): void {
    const msg = decodeMessage(body, this.#handshake!.dict);
    if (msg.type !== MessageType.Response && msg.type !== MessageType.Push) {
      throw new ProtocolError('ERR_MESSAGE_TYPE', `a server may not send message type ${msg.type}`);
    }
    this.#sink.onMessage(msg);
  }

  #onKick(body: Uint8Array): void {
    const reason = kickReason(body);
    if (this.#state === State.Open) this.#sink.onKick(reason);
    this.#fail(new RpcError('unavailable', reason ? `kicked by the server: ${reason}` : 'kicked by the server'), false);
  }

  #onSocketClose(error: Error | undefined): void {
    this.#socketDone();
    if (this.#state === State.Closed) return;
    const partial = this.#reader?.bufferedBytes ?? 0;
    if (partial > 0) {
      this.#fail(toFailure(new ProtocolError('ERR_PACKET_TRUNCATED', `stream ended ${partial} bytes into a packet`)), true);
      return;
    }
    const message = error ? `connection lost: ${error.message}` : 'connection closed by the server';
    this.#fail(new RpcError('unavailable', message, { cause: error }), false);
  }

  /** Ends the connection once: stops timers, closes the socket, tells whoever waits. */
  #fail(error: RpcError, fault: boolean): void {
    if (this.#state === State.Closed) return;
    const wasOpen = this.#state === State.Open;
    this.#state = State.Closed;
    clearTimeout(this.#handshakeTimer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#heartbeat?.stop();
    if (this.#socket) this.#socket.close();
    else {
      this.#early = undefined;
      this.#socketDone();
    }
    if (wasOpen) this.#sink.onLost(error, fault);
    else this.#opened.reject(error);
  }
}
