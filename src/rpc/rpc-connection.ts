import { ProtocolError } from '../wire/errors.js';
import type { Adapter } from './adapter.js';
import type { CallOptions, Invoker, OperationRef } from './call.js';
import { CallDispatcher, type CallOrigin } from './call-dispatcher.js';
import { CallSite, attachCallSite } from './call-site.js';
import { decodeEnvelope, decodeErrorBody } from './envelope-decoder.js';
import { encodeEnvelope } from './envelope-encoder.js';
import { MAX_CALL_ID, answerEnvelope, requestEnvelope, type RequestFields } from './envelope.js';
import { RpcError } from './errors.js';
import type { FrameConnection } from './frame.js';
import { consoleLogger, type RpcLogger } from './logger.js';
import { PendingCalls } from './pending-calls.js';
import { failLater, type ReceiverInvoker, type ReplyReceiver } from './reply-receiver.js';

/** How a call names its operation on the wire. */
export type Routing = 'route' | 'code' | 'both';

/** Options of an {@link RpcConnection}. */
export interface RpcConnectionOptions {
  /** Serves incoming calls on this connection; without one they fail with `not_found`. */
  adapter?: Adapter | undefined;
  /** Deadline of two-way calls that set no `timeoutMs`, in milliseconds. Default 10000. */
  defaultTimeoutMs?: number | undefined;
  /**
   * What names the operation on the wire: `route` (default; robust when the two sides were built
   * from different IDL versions), `code` (smaller; both sides must share the code table) or `both`.
   */
  routing?: Routing | undefined;
  /** Remember each call's stack for late failures; the main per-call cost, see call-site.ts. Default true. */
  captureCallSites?: boolean | undefined;
  /** Smallest gap between two deadline sweeps, in milliseconds. Default 10. */
  sweepResolutionMs?: number | undefined;
  /** Where one-way failures and protocol violations are reported. Default: the console. */
  logger?: RpcLogger | undefined;
  /** Told when a one-way call could not be sent (closed connection, unencodable extra). */
  onSendError?: ((error: RpcError, op: OperationRef) => void) | undefined;
}

/** Call options plus what only a forwarding hop sets: opaque session bytes for the servant side. */
export interface RpcCallOptions extends CallOptions {
  /** Opaque bytes carried to the servant's context (`IncomingCall.session`); never decoded here. */
  session?: Uint8Array | undefined;
}

/** Default deadline of two-way calls, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A connection between two RPC peers over any {@link FrameConnection}. It is an {@link Invoker} for
 * outgoing calls and, when given an adapter, dispatches incoming calls on the same connection, so
 * either side can call the other (a client behind NAT serving an interface to the server).
 */
export class RpcConnection implements ReceiverInvoker {
  readonly #frames: FrameConnection;
  readonly #pending: PendingCalls;
  readonly #dispatcher: CallDispatcher;
  /** This link as the origin of the calls it dispatches: answers go back on the same frames. */
  readonly #origin: CallOrigin;
  readonly #defaultTimeoutMs: number;
  readonly #routing: Routing;
  readonly #captureSites: boolean;
  readonly #logger: RpcLogger;
  readonly #onSendError: ((error: RpcError, op: OperationRef) => void) | undefined;
  readonly #closeListeners = new Set<(error: Error | undefined) => void>();
  #adapter: Adapter | undefined;
  #lastId = 0;
  #closing = false;
  #ended = false;
  #endError: Error | undefined;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(frames: FrameConnection, options: RpcConnectionOptions = {}) {
    this.#frames = frames;
    this.#adapter = options.adapter;
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#routing = options.routing ?? 'route';
    this.#captureSites = options.captureCallSites ?? true;
    this.#logger = options.logger ?? consoleLogger;
    this.#onSendError = options.onSendError;
    const resolution = options.sweepResolutionMs ?? 10;
    this.#pending = new PendingCalls({ sweepResolutionMs: resolution, onCancel: this.#sendCancel });
    this.#dispatcher = new CallDispatcher({ logger: this.#logger, sweepResolutionMs: resolution });
    this.#origin = {
      remote: frames.remote,
      caller: this,
      respond: (frame) => {
        if (!this.isClosed) frames.send(frame);
      },
    };
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    frames.attach({ frame: (f) => this.#onFrame(f), closed: (err) => this.#onEnded(err) });
  }

  /** The peer, for logs. */
  get remote(): string {
    return this.#frames.remote;
  }

  /** The adapter serving incoming calls, if any. */
  get adapter(): Adapter | undefined {
    return this.#adapter;
  }

  /** Starts (or, with undefined, stops) serving incoming calls with `adapter` (the seed's addConnection). */
  serve(adapter: Adapter | undefined): void {
    this.#adapter = adapter;
  }

  /** Two-way calls waiting for their reply. */
  get pendingCalls(): number {
    return this.#pending.size;
  }

  /** True once the connection is closing or closed. */
  get isClosed(): boolean {
    return this.#closing || this.#ended;
  }

  /** Resolves once the connection has ended, either side having closed it. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Listens for the end of the connection (`error` is undefined for a clean close); returns an unsubscribe. */
  onClose(listener: (error: Error | undefined) => void): () => void {
    if (this.#ended) queueMicrotask(() => listener(this.#endError));
    else this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Two-way call (hot path): resolves with the encoded result or rejects with an RpcError. */
  call(op: OperationRef, args: Uint8Array, opts?: RpcCallOptions): Promise<Uint8Array> {
    return this.#start(op, args, opts, this.#captureSites ? new CallSite() : undefined, undefined);
  }

  /** Two-way call whose outcome goes to `receiver` (hot path of forwarding: no Promise per call). */
  callInto(op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined, receiver: ReplyReceiver): void {
    this.#start(op, args, opts, this.#captureSites ? new CallSite() : undefined, receiver);
  }

  /**
   * A two-way call, for {@link call} (no `receiver`: answers the reply's Promise) and
   * {@link callInto}: checks its deadline, refuses it on a closed connection or a fired signal,
   * encodes it under a fresh id, registers it, then sends it. The call site is captured by the
   * caller, so its stack starts there. A call failing at once fails as the caller expects: a Promise
   * already rejected, or `receiver` told in a later microtask, never synchronously.
   */
  #start(op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined, site: CallSite | undefined, receiver: undefined): Promise<Uint8Array>;
  #start(op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined, site: CallSite | undefined, receiver: ReplyReceiver): void;
  #start(op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined, site: CallSite | undefined, receiver: ReplyReceiver | undefined): Promise<Uint8Array> | undefined {
    const signal = opts?.signal;
    const timeoutMs = opts?.timeoutMs ?? this.#defaultTimeoutMs;
    if (!(timeoutMs > 0)) return this.#failAtOnce(attachCallSite(new RpcError('deadline_exceeded', `timeoutMs ${timeoutMs}`), site), receiver);
    if (this.isClosed || signal?.aborted) return this.#register(0, timeoutMs, signal, site, receiver);
    const id = this.#nextId();
    const frame = this.#requestFrame(id, op, args, opts, timeoutMs);
    if (frame instanceof RpcError) return this.#failAtOnce(attachCallSite(frame, site), receiver);
    const reply = this.#register(id, timeoutMs, signal, site, receiver);
    this.#frames.send(frame);
    return reply;
  }

  /** Registers call `id` with the pending calls: its reply's Promise, or with `receiver`, nothing. */
  #register(id: number, timeoutMs: number, signal: AbortSignal | undefined, site: CallSite | undefined, receiver: ReplyReceiver | undefined): Promise<Uint8Array> | undefined {
    if (receiver === undefined) return this.#pending.add(id, timeoutMs, signal, site);
    this.#pending.addReceiver(id, timeoutMs, signal, site, receiver);
    return undefined;
  }

  /** A call failing before it is sent: a Promise rejected already, or `receiver` told in a microtask. */
  #failAtOnce(error: RpcError, receiver: ReplyReceiver | undefined): Promise<Uint8Array> | undefined {
    if (receiver === undefined) return Promise.reject(error);
    failLater(receiver, error);
    return undefined;
  }

  /** One-way call: nothing comes back; a failure to send goes to `onSendError` (or the logger). */
  send(op: OperationRef, args: Uint8Array, opts?: RpcCallOptions): void {
    if (opts?.signal?.aborted) return;
    if (this.isClosed) return this.#sendFailed(new RpcError('unavailable', `connection to ${this.remote} is closed`), op);
    let frame: Uint8Array;
    try {
      frame = encodeEnvelope(requestEnvelope('oneway', 0, this.#fields(op, opts, opts?.timeoutMs), args));
    } catch (err) {
      return this.#sendFailed(new RpcError('bad_payload', errorMessage(err), { cause: err }), op);
    }
    this.#frames.send(frame);
  }

  /**
   * Closes the connection: calls still waiting fail with `cancelled` (this side gave up), servants
   * still working see their signal fire, and queued frames are flushed before the transport closes.
   */
  async close(): Promise<void> {
    if (!this.#closing && !this.#ended) {
      this.#closing = true;
      this.#pending.close('cancelled', `connection to ${this.remote} closed locally`);
      this.#dispatcher.close(new RpcError('cancelled', 'connection closed locally'));
      await this.#frames.close();
    }
    await this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The encoded request envelope of two-way call `id`, or why it cannot be encoded. */
  #requestFrame(id: number, op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined, timeoutMs: number): Uint8Array | RpcError {
    try {
      return encodeEnvelope(requestEnvelope('request', id, this.#fields(op, opts, timeoutMs), args));
    } catch (err) {
      return new RpcError('bad_payload', errorMessage(err), { cause: err });
    }
  }

  #fields(op: OperationRef, opts: RpcCallOptions | undefined, timeoutMs: number | undefined): RequestFields {
    return {
      route: this.#routing === 'code' ? undefined : op.route,
      code: this.#routing === 'route' ? undefined : op.code,
      timeoutMs: timeoutMs === Infinity ? undefined : timeoutMs,
      extra: opts?.extra,
      session: opts?.session,
    };
  }

  #nextId(): number {
    do this.#lastId = this.#lastId >= MAX_CALL_ID ? 1 : this.#lastId + 1;
    while (this.#pending.has(this.#lastId));
    return this.#lastId;
  }

  #sendFailed(error: RpcError, op: OperationRef): void {
    if (this.#onSendError !== undefined) this.#onSendError(error, op);
    else this.#logger.warn({ route: op.route, code: error.code, err: error }, 'one-way call not sent');
  }

  #sendCancel = (id: number): void => {
    if (!this.isClosed) this.#frames.send(encodeEnvelope(answerEnvelope('cancel', id)));
  };

  /** Hot path: every received frame. A malformed one closes the connection. */
  #onFrame(frame: Uint8Array): void {
    if (frame.length === 0) return; // empty frames are reserved as keepalives
    try {
      const env = decodeEnvelope(frame);
      switch (env.kind) {
        case 'reply':
          this.#pending.resolve(env.id, env.body);
          break;
        case 'error': {
          const { code, message } = decodeErrorBody(env.body);
          this.#pending.reject(env.id, new RpcError(code, message));
          break;
        }
        case 'cancel':
          this.#dispatcher.cancel(env.id);
          break;
        default:
          this.#dispatcher.dispatch(env, this.#adapter, this.#origin);
      }
    } catch (err) {
      this.#protocolViolation(err);
    }
  }

  #protocolViolation(err: unknown): void {
    const error = err instanceof ProtocolError ? err : RpcError.from(err);
    this.#logger.warn({ remote: this.remote, err: error }, 'closing connection: peer broke the RPC protocol');
    void this.#frames.close(error);
  }

  #onEnded(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endError = error;
    const message = error ? `connection to ${this.remote} lost: ${error.message}` : `connection to ${this.remote} closed`;
    this.#pending.close('unavailable', message, error);
    this.#dispatcher.close(new RpcError('unavailable', message, { cause: error }));
    for (const listener of this.#closeListeners) listener(error);
    this.#closeListeners.clear();
    this.#resolveClosed();
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
