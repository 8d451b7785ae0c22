import type { OperationRef } from '../rpc/call.js';
import { RpcError } from '../rpc/errors.js';
import type { FrameConnection } from '../rpc/frame.js';
import type { RpcLogger } from '../rpc/logger.js';
import { settleInto, type ReceiverInvoker, type ReplyReceiver } from '../rpc/reply-receiver.js';
import { RpcConnection, type RpcCallOptions } from '../rpc/rpc-connection.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { ConnectWaiters } from './connect-waiters.js';
import { connectTcp, type TcpTransportOptions } from './tcp.js';

/** What a {@link PooledLink} needs to reach its peer. */
export interface PooledLinkOptions {
  /** `tcp://host:port` of the peer's RPC listener. */
  readonly endpoint: URL;
  /** How long one connect attempt may take, in milliseconds. */
  readonly connectTimeoutMs: number;
  /** Deadline of two-way calls that set no `timeoutMs`, in milliseconds. */
  readonly defaultTimeoutMs: number;
  readonly backoff: BackoffPolicy;
  readonly tcp: TcpTransportOptions;
  readonly logger: RpcLogger;
}

/**
 * Where a link is:
 * - `idle`: never connected; the first call starts connecting.
 * - `connecting`: first attempt in progress; calls wait for it (up to their deadlines), in order.
 * - `up`: calls go straight onto the connection.
 * - `down`: the connection failed or was lost; calls fail `unavailable` at once while a retry is
 *   scheduled or in progress, with exponential backoff.
 * - `closed`: the pool was forgotten or the transport closed; calls fail.
 */
export type PooledLinkState = 'idle' | 'connecting' | 'up' | 'down' | 'closed';

/**
 * One connection of a pool to one peer, reconnecting by itself. Every call made through the same
 * link travels on the same TCP connection, so calls keep the order they were made in.
 */
export class PooledLink implements ReceiverInvoker {
  readonly #options: PooledLinkOptions;
  readonly #waiters: ConnectWaiters;
  #state: PooledLinkState = 'idle';
  #rpc: RpcConnection | undefined;
  #frames: FrameConnection | undefined;
  #failures = 0;
  #lastError: Error | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #connecting: AbortController | undefined;
  #closeReason: RpcError | undefined;

  constructor(options: PooledLinkOptions) {
    this.#options = options;
    this.#waiters = new ConnectWaiters(options.defaultTimeoutMs, options.logger);
  }

  /** Where the link is now (for tests and metrics). */
  get state(): PooledLinkState {
    return this.#state;
  }

  /** Two-way call (hot path: a link that is up hands the call straight to its connection). */
  call(op: OperationRef, args: Uint8Array, opts?: RpcCallOptions): Promise<Uint8Array> {
    if (this.#state === 'up') return this.#rpc!.call(op, args, opts);
    if (this.#state === 'down' || this.#state === 'closed') return Promise.reject(this.#unavailable());
    if (this.#state === 'idle') this.#connect();
    return this.#waiters.call(op, args, opts);
  }

  /** Two-way call by callback (hot path of forwarding); a link not up goes through {@link call}. */
  callInto(op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined, receiver: ReplyReceiver): void {
    if (this.#state === 'up') return this.#rpc!.callInto(op, args, opts, receiver);
    settleInto(this.call(op, args, opts), receiver);
  }

  /** One-way call; one that cannot be sent (link down) is logged. */
  send(op: OperationRef, args: Uint8Array, opts?: RpcCallOptions): void {
    if (this.#state === 'up') return this.#rpc!.send(op, args, opts);
    if (this.#state === 'down' || this.#state === 'closed') return this.#waiters.sendFailed(op, this.#unavailable());
    if (this.#state === 'idle') this.#connect();
    this.#waiters.send(op, args, opts);
  }

  /** Resolves once the calls waiting for the connection to open have been sent or failed; undefined when none wait. */
  whenSent(): Promise<void> | undefined {
    return this.#state === 'connecting' ? this.#waiters.whenEmpty() : undefined;
  }

  /** Closes the link because this side is done: waiting calls fail `cancelled`. */
  async close(): Promise<void> {
    const rpc = this.#stop(new RpcError('cancelled', `connection pool to ${this.#options.endpoint.host} closed locally`));
    await rpc?.close();
  }

  /** Closes the link because the peer is gone: waiting calls, sent or not, fail with `reason`. */
  async drop(reason: RpcError): Promise<void> {
    const frames = this.#frames;
    this.#stop(reason);
    await frames?.close(reason);
  }

  /** Moves to `closed` and fails what has not been sent; returns the connection still to close. */
  #stop(reason: RpcError): RpcConnection | undefined {
    if (this.#state === 'closed') return undefined;
    this.#state = 'closed';
    this.#closeReason = reason;
    clearTimeout(this.#retry);
    this.#connecting?.abort(reason);
    this.#waiters.fail(reason);
    const rpc = this.#rpc;
    this.#rpc = undefined;
    this.#frames = undefined;
    return rpc;
  }

  #connect(): void {
    if (this.#state === 'idle') this.#state = 'connecting';
    const controller = new AbortController();
    this.#connecting = controller;
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this.#options.connectTimeoutMs)]);
    connectTcp(this.#options.endpoint, this.#options.tcp, { signal }).then(
      (frames) => this.#connected(frames, controller),
      (err: unknown) => this.#failed(err, controller),
    );
  }

  #connected(frames: FrameConnection, attempt: AbortController): void {
    if (this.#connecting !== attempt || this.#state === 'closed') return void frames.close();
    this.#connecting = undefined;
    const { defaultTimeoutMs, logger } = this.#options;
    // Hot path links: a call-site stack per call costs more than the call itself (see call-site.ts).
    const rpc = new RpcConnection(frames, { defaultTimeoutMs, logger, captureCallSites: false });
    if (this.#failures > 0) logger.warn({ peer: this.#options.endpoint.href, attempts: this.#failures }, 'server link restored');
    this.#rpc = rpc;
    this.#frames = frames;
    this.#failures = 0;
    this.#state = 'up';
    rpc.onClose((err) => this.#lost(rpc, err));
    // Synchronously and in arrival order, so calls that waited keep their order and go before newer ones.
    this.#waiters.flush(rpc);
  }

  #failed(err: unknown, attempt: AbortController): void {
    if (this.#connecting !== attempt || this.#state === 'closed') return;
    this.#connecting = undefined;
    this.#lastError = err instanceof Error ? err : new Error(String(err));
    this.#failures++;
    if (this.#failures === 1) this.#options.logger.warn({ peer: this.#options.endpoint.href, err }, 'server link down; retrying');
    this.#state = 'down';
    this.#waiters.fail(this.#unavailable());
    this.#scheduleRetry();
  }

  #lost(rpc: RpcConnection, err: Error | undefined): void {
    if (this.#rpc !== rpc || this.#state === 'closed') return;
    this.#rpc = undefined;
    this.#frames = undefined;
    this.#lastError = err ?? new Error('closed by the peer');
    this.#failures = 1;
    this.#options.logger.warn({ peer: this.#options.endpoint.href, err }, 'server link lost; reconnecting');
    this.#state = 'down';
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    const delay = backoffDelay(this.#failures, this.#options.backoff);
    this.#retry = setTimeout(() => this.#connect(), delay);
    this.#retry.unref();
  }

  #unavailable(): RpcError {
    if (this.#closeReason !== undefined) return new RpcError(this.#closeReason.code, this.#closeReason.message);
    const why = this.#lastError === undefined ? '' : `: ${this.#lastError.message}`;
    return new RpcError('unavailable', `link to ${this.#options.endpoint.host} is down${why}`, { cause: this.#lastError });
  }
}
