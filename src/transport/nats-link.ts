import type { Msg } from 'nats';
import type { OperationRef } from '../rpc/call.js';
import { decodeEnvelope, decodeErrorBody } from '../rpc/envelope-decoder.js';
import { encodeEnvelope } from '../rpc/envelope-encoder.js';
import { MAX_CALL_ID, requestEnvelope, type RequestFields } from '../rpc/envelope.js';
import { RpcError } from '../rpc/errors.js';
import type { RpcLogger } from '../rpc/logger.js';
import { PendingCalls } from '../rpc/pending-calls.js';
import { PromiseReceiver, failLater, settleInto, type ReceiverInvoker, type ReplyReceiver } from '../rpc/reply-receiver.js';
import type { RpcCallOptions } from '../rpc/rpc-connection.js';
import { ConnectWaiters } from './connect-waiters.js';
import { frameFits, splitFrames } from './frame-batch.js';
import type { NatsOutbox, OutboxCaller } from './nats-outbox.js';

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
  /** Where the link's frames wait for the end of the turn. */
  readonly outbox: NatsOutbox;
  /** Opens the connection if nobody has yet. */
  start(): void;
}

/** Options of a {@link NatsLink}. */
export interface NatsLinkOptions {
  /** Subject the link's requests are published to. */
  readonly subject: string;
  /** Reply subjects of its messages are this prefix plus a tag naming their calls; replies come back through {@link NatsLink.onReply}. */
  readonly replyPrefix: string;
  /** Deadline of two-way calls that set no `timeoutMs`, in milliseconds. */
  readonly defaultTimeoutMs: number;
  readonly logger: RpcLogger;
}

/**
 * Calls to one NATS subject (one server, or any server of a type): NATS request/reply carrying the
 * same envelopes as a TCP link, gathered per turn by the transport's {@link NatsOutbox}. Requests
 * are published on one connection to one subject, which NATS delivers in publish order, so calls
 * through one link arrive in the order they were made. Deadlines share one timer per link, as on a
 * TCP connection.
 */
export class NatsLink implements ReceiverInvoker, OutboxCaller {
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

  /** Two-way call; its reply comes back through the same path as {@link callInto}'s. */
  call(op: OperationRef, args: Uint8Array, opts?: RpcCallOptions): Promise<Uint8Array> {
    return new Promise((resolve, reject) => this.callInto(op, args, opts, new PromiseReceiver(resolve, reject)));
  }

  /** Hot path when NATS is up: encode, register, add to this turn's message. */
  callInto(op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined, receiver: ReplyReceiver): void {
    const state = this.#closed === undefined ? this.#host.state : 'closed';
    if (state === 'up') return this.#queueCall(op, args, opts, receiver);
    if (state === 'idle' || state === 'connecting') {
      this.#host.start();
      return settleInto(this.#waiters.call(op, args, opts), receiver);
    }
    failLater(receiver, this.#unavailable());
  }

  /** One-way call: sent with this turn's message; nobody listening means it is dropped, as NATS does. */
  send(op: OperationRef, args: Uint8Array, opts?: RpcCallOptions): void {
    if (opts?.signal?.aborted) return;
    const state = this.#closed === undefined ? this.#host.state : 'closed';
    if (state === 'idle' || state === 'connecting') {
      this.#host.start();
      return this.#waiters.send(op, args, opts);
    }
    if (state !== 'up') return this.#waiters.sendFailed(op, this.#unavailable());
    let frame: Uint8Array;
    try {
      frame = encodeEnvelope(requestEnvelope('oneway', 0, fields(op, opts, opts?.timeoutMs), args));
    } catch (err) {
      return this.#waiters.sendFailed(op, badPayload(err));
    }
    const max = this.#host.outbox.maxPayload;
    if (!frameFits(frame, max)) return this.#waiters.sendFailed(op, this.#overMaxPayload(frame, max));
    this.#host.outbox.request(this.subject, frame, this, 0);
  }

  /**
   * Hot path: a message on this link's reply subject `<prefix><tag>`, where the tag names the
   * message of calls it answers. It carries reply and error reply envelopes, matched by call id,
   * or is NATS's no-responders status for that message.
   */
  onReply(tag: string, msg: Msg): void {
    const data = msg.data;
    if (data.length === 0) {
      if (msg.headers?.code === 503) {
        this.#failTagged(tag, new RpcError('unavailable', `no server listens on ${this.subject} (no responders)`));
      }
      return;
    }
    let broken: unknown;
    try {
      for (const frame of splitFrames(data)) broken = this.#onReplyFrame(frame) ?? broken;
    } catch (err) {
      broken = err;
    }
    if (broken === undefined) return;
    this.#options.logger.warn({ subject: msg.subject, err: broken }, 'malformed NATS reply; failing the calls it answers');
    this.#failTagged(tag, new RpcError('bad_payload', 'malformed reply', { cause: broken }));
  }

  /** The reply subject of this link's message of calls `first` to `first + calls - 1`. */
  replySubject(first: number, calls: number): string {
    return `${this.#replyPrefix}${first}.${calls}`;
  }

  /** The message was not published: its calls fail, and its one-way calls are reported lost. */
  notSent(first: number, calls: number, oneWays: number, error: RpcError): void {
    for (let i = 0; i < calls; i++) this.#pending.reject(first + i, error);
    if (oneWays > 0) this.#options.logger.warn({ subject: this.subject, count: oneWays, code: error.code, err: error }, 'one-way calls not sent');
  }

  /** A new connection has its own inbox: replies come to `replyPrefix` plus a message tag from now on. */
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

  #queueCall(op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined, receiver: ReplyReceiver): void {
    const timeoutMs = opts?.timeoutMs ?? this.#options.defaultTimeoutMs;
    const signal = opts?.signal;
    if (!(timeoutMs > 0)) return failLater(receiver, new RpcError('deadline_exceeded', `timeoutMs ${timeoutMs}`));
    if (signal?.aborted) return this.#pending.addReceiver(0, timeoutMs, signal, undefined, receiver);
    const id = this.#nextId();
    let frame: Uint8Array;
    try {
      frame = encodeEnvelope(requestEnvelope('request', id, fields(op, opts, timeoutMs), args));
    } catch (err) {
      return failLater(receiver, badPayload(err));
    }
    const max = this.#host.outbox.maxPayload;
    if (!frameFits(frame, max)) return failLater(receiver, this.#overMaxPayload(frame, max));
    this.#pending.addReceiver(id, timeoutMs, signal, undefined, receiver);
    this.#host.outbox.request(this.subject, frame, this, id);
  }

  #onReplyFrame(frame: Uint8Array): unknown {
    try {
      const env = decodeEnvelope(frame);
      if (env.kind === 'reply') this.#pending.resolve(env.id, env.body);
      else if (env.kind === 'error') {
        const { code, message } = decodeErrorBody(env.body);
        this.#pending.reject(env.id, new RpcError(code, message));
      } else return new RpcError('bad_payload', `a ${env.kind} envelope on a reply subject`);
    } catch (err) {
      return err;
    }
    return undefined;
  }

  /** Fails the calls still waiting of the message tagged `<first id>.<count>`. */
  #failTagged(tag: string, error: RpcError): void {
    const dot = tag.indexOf('.');
    const first = Number(tag.slice(0, dot));
    const count = Number(tag.slice(dot + 1));
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || count > this.#host.outbox.maxPayload) return;
    for (let i = 0; i < count; i++) this.#pending.reject(first + i, error);
  }

  #overMaxPayload(frame: Uint8Array, max: number): RpcError {
    return new RpcError('bad_payload', `a ${frame.length}-byte call to ${this.subject} is over the NATS server's max payload (${max} bytes)`);
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

function badPayload(err: unknown): RpcError {
  return new RpcError('bad_payload', err instanceof Error ? err.message : String(err), { cause: err });
}

