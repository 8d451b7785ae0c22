import type { Msg } from 'nats';
import type { Invoker, OperationRef } from '../rpc/call.js';
import { decodeEnvelope, decodeErrorBody } from '../rpc/envelope-decoder.js';
import { encodeEnvelope } from '../rpc/envelope-encoder.js';
import { MAX_CALL_ID, requestEnvelope, type RequestFields } from '../rpc/envelope.js';
import { RpcError } from '../rpc/errors.js';
import type { RpcLogger } from '../rpc/logger.js';
import { PendingCalls } from '../rpc/pending-calls.js';
import type { RpcCallOptions } from '../rpc/rpc-connection.js';
import { ConnectWaiters } from './connect-waiters.js';

/**
 * Where the transport's NATS connection is:
 * - `idle`: not opened yet; the first use opens it.
 * - `connecting`: the first connect is in progress; calls wait for it (up to their deadlines).
 * - `up`: calls are published at once.
 * - `down`: NATS is unreachable (the client is reconnecting); calls fail `unavailable` at once.
 * - `closed`: the transport was closed.
 */
export type NatsState = 'idle' | 'connecting' | 'up' | 'down' | 'closed';

/** What a link needs from its transport. */
export interface NatsLinkHost {
  readonly state: NatsState;
  /** Publishes one message; throws RpcError when it cannot (closed, over the server's max payload). */
  publish(subject: string, frame: Uint8Array, reply: string | undefined): void;
  /** Opens the connection if nobody has yet. */
  start(): void;
}

/** Options of a {@link NatsLink}. */
export interface NatsLinkOptions {
  /** Subject the link's requests are published to. */
  readonly subject: string;
  /** Reply subjects of its calls are this prefix plus the call id; replies come back through {@link NatsLink.onReply}. */
  readonly replyPrefix: string;
  /** Deadline of two-way calls that set no `timeoutMs`, in milliseconds. */
  readonly defaultTimeoutMs: number;
  readonly logger: RpcLogger;
}

/**
 * Calls to one NATS subject (one server, or any server of a type): NATS request/reply carrying the
 * same envelopes as a TCP link. Requests are published on one connection to one subject, which NATS
 * delivers in publish order, so calls through one link arrive in the order they were made.
 * Deadlines share one timer per link, as on a TCP connection.
 */
export class NatsLink implements Invoker {
  readonly subject: string;
  readonly #host: NatsLinkHost;
  readonly #options: NatsLinkOptions;
  readonly #waiters: ConnectWaiters;
  #pending = new PendingCalls();
  #lastId = 0;
  #replyPrefix: string;
  #closed: RpcError | undefined;

  constructor(host: NatsLinkHost, options: NatsLinkOptions) {
    this.#host = host;
    this.#options = options;
    this.subject = options.subject;
    this.#replyPrefix = options.replyPrefix;
    this.#waiters = new ConnectWaiters(options.defaultTimeoutMs, options.logger);
  }

  /** Two-way calls waiting for their reply. */
  get pendingCalls(): number {
    return this.#pending.size;
  }

  /** Two-way call (hot path when NATS is up: encode, register, publish). */
  call(op: OperationRef, args: Uint8Array, opts?: RpcCallOptions): Promise<Uint8Array> {
    const state = this.#closed === undefined ? this.#host.state : 'closed';
    if (state === 'up') return this.#publishCall(op, args, opts);
    if (state === 'idle' || state === 'connecting') {
      this.#host.start();
      return this.#waiters.call(op, args, opts);
    }
    return Promise.reject(this.#unavailable());
  }

  /** One-way call: published with no reply subject; nobody listening means it is dropped, as NATS does. */
  send(op: OperationRef, args: Uint8Array, opts?: RpcCallOptions): void {
    if (opts?.signal?.aborted) return;
    const state = this.#closed === undefined ? this.#host.state : 'closed';
    if (state === 'idle' || state === 'connecting') {
      this.#host.start();
      return this.#waiters.send(op, args, opts);
    }
    if (state !== 'up') return this.#waiters.sendFailed(op, this.#unavailable());
    try {
      const frame = encodeEnvelope(requestEnvelope('oneway', 0, fields(op, opts, opts?.timeoutMs), args));
      this.#host.publish(this.subject, frame, undefined);
    } catch (err) {
      this.#waiters.sendFailed(op, asRpcError(err));
    }
  }

  /** Hot path: a message on this link's reply subject for call `id` (a reply, an error reply or a no-responders status). */
  onReply(id: number, msg: Msg): void {
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      this.#pending.reject(id, new RpcError('unavailable', `no server listens on ${this.subject} (no responders)`));
      return;
    }
    try {
      const env = decodeEnvelope(msg.data);
      if (env.kind === 'reply') this.#pending.resolve(id, env.body);
      else if (env.kind === 'error') {
        const { code, message } = decodeErrorBody(env.body);
        this.#pending.reject(id, new RpcError(code, message));
      } else throw new RpcError('bad_payload', `a ${env.kind} envelope on a reply subject`);
    } catch (err) {
      this.#options.logger.warn({ subject: msg.subject, err }, 'dropping a malformed NATS reply');
      this.#pending.reject(id, new RpcError('bad_payload', 'malformed reply', { cause: err }));
    }
  }

  /** A new connection has its own inbox: replies come to `replyPrefix` plus the call id from now on. */
  rebase(replyPrefix: string): void {
    this.#replyPrefix = replyPrefix;
  }

  /** The connection is up: calls that waited for it go out, in order. */
  connected(): void {
    if (this.#closed === undefined) this.#waiters.flush(this);
  }

  /** NATS went away: every call waiting, for a reply or for the connection, fails `unavailable` now. */
  disconnected(reason: RpcError): void {
    this.#waiters.fail(reason);
    const old = this.#pending;
    this.#pending = new PendingCalls(); // ids keep counting, so a late reply cannot match a new call
    old.close(reason.code, reason.message, reason.cause);
  }

  /** Ends the link: calls waiting fail with `reason`, later ones fail `unavailable`. */
  close(reason: RpcError): void {
    if (this.#closed !== undefined) return;
    this.#closed = reason;
    this.#waiters.fail(reason);
    this.#pending.close(reason.code, reason.message, reason.cause);
  }

  #publishCall(op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined): Promise<Uint8Array> {
    const timeoutMs = opts?.timeoutMs ?? this.#options.defaultTimeoutMs;
    const signal = opts?.signal;
    if (!(timeoutMs > 0)) return Promise.reject(new RpcError('deadline_exceeded', `timeoutMs ${timeoutMs}`));
    if (signal?.aborted) return this.#pending.add(0, timeoutMs, signal, undefined);
    const id = this.#nextId();
    let frame: Uint8Array;
    try {
      frame = encodeEnvelope(requestEnvelope('request', id, fields(op, opts, timeoutMs), args));
    } catch (err) {
      return Promise.reject(new RpcError('bad_payload', err instanceof Error ? err.message : String(err), { cause: err }));
    }
    const reply = this.#pending.add(id, timeoutMs, signal, undefined);
    try {
      this.#host.publish(this.subject, frame, this.#replyPrefix + id);
    } catch (err) {
      this.#pending.reject(id, asRpcError(err));
    }
    return reply;
  }

  #nextId(): number {
    do this.#lastId = this.#lastId >= MAX_CALL_ID ? 1 : this.#lastId + 1;
    while (this.#pending.has(this.#lastId));
    return this.#lastId;
  }

  #unavailable(): RpcError {
    if (this.#closed !== undefined) return new RpcError(this.#closed.code, this.#closed.message);
    return new RpcError('unavailable', `NATS is not connected; cannot reach ${this.subject}`);
  }
}

/** The request header fields of a call; the route names the operation (robust across IDL versions). */
function fields(op: OperationRef, opts: RpcCallOptions | undefined, timeoutMs: number | undefined): RequestFields {
  return {
    route: op.route,
    code: undefined,
    timeoutMs: timeoutMs === Infinity ? undefined : timeoutMs,
    extra: opts?.extra,
    session: opts?.session,
  };
}

function asRpcError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  return new RpcError('unavailable', err instanceof Error ? err.message : String(err), { cause: err });
}
