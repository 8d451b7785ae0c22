import type { Invoker, OperationRef } from '../rpc/call.js';
import { now } from '../rpc/deadline-timer.js';
import { RpcError } from '../rpc/errors.js';
import type { RpcLogger } from '../rpc/logger.js';
import type { RpcCallOptions } from '../rpc/rpc-connection.js';

/** One call made before its connection was up; `resolve` is undefined for a one-way call. */
class Waiter {
  settled = false;
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;

  constructor(
    readonly op: OperationRef,
    readonly args: Uint8Array,
    readonly opts: RpcCallOptions | undefined,
    /** Monotonic deadline in ms (Infinity for none). */
    readonly deadline: number,
    readonly resolve: ((body: Uint8Array) => void) | undefined,
    readonly reject: ((err: RpcError) => void) | undefined,
  ) {}
}

/**
 * Calls made while a connection is being opened, in the order they were made. Each two-way call
 * keeps its own deadline and AbortSignal while it waits (a timer each: this is the slow path, taken
 * only during a connect); when the connection is up they all go onto it in order, with what is left
 * of their deadlines.
 */
export class ConnectWaiters {
  readonly #defaultTimeoutMs: number;
  readonly #logger: RpcLogger;
  #queue: Waiter[] = [];
  /** Told when the queue next empties (flushed or failed), for {@link whenEmpty}. */
  #emptied: { promise: Promise<void>; resolve: () => void } | undefined;

  /** @param defaultTimeoutMs Deadline of calls that set none, in milliseconds. */
  constructor(defaultTimeoutMs: number, logger: RpcLogger) {
    this.#defaultTimeoutMs = defaultTimeoutMs;
    this.#logger = logger;
  }

  /** Queues a two-way call; it fails on its own deadline or signal if the connection is not up by then. */
  call(op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined): Promise<Uint8Array> {
    const timeoutMs = opts?.timeoutMs ?? this.#defaultTimeoutMs;
    const signal = opts?.signal;
    if (!(timeoutMs > 0)) return Promise.reject(new RpcError('deadline_exceeded', `timeoutMs ${timeoutMs}`));
    if (signal?.aborted) return Promise.reject(new RpcError('cancelled', undefined, { cause: signal.reason }));
    return new Promise((resolve, reject) => {
      const waiter = new Waiter(op, args, opts, now() + timeoutMs, resolve, reject);
      if (timeoutMs !== Infinity) {
        const expire = () => this.#settle(waiter, new RpcError('deadline_exceeded', `not connected within ${timeoutMs} ms`));
        waiter.timer = setTimeout(expire, timeoutMs);
      }
      if (signal !== undefined) {
        waiter.onAbort = () => this.#settle(waiter, new RpcError('cancelled', undefined, { cause: signal.reason }));
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
    });
  }

  /** Queues a one-way call. */
  send(op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined): void {
    if (opts?.signal?.aborted) return;
    this.#queue.push(new Waiter(op, args, opts, Infinity, undefined, undefined));
  }

  /** Resolves when the calls waiting now have been sent or failed; undefined when none wait. */
  whenEmpty(): Promise<void> | undefined {
    if (this.#queue.length === 0) return undefined;
    if (this.#emptied === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#emptied = { promise, resolve };
    }
    return this.#emptied.promise;
  }

  /** Reports a one-way call that could not be sent. */
  sendFailed(op: OperationRef, error: RpcError): void {
    this.#logger.warn({ route: op.route, code: error.code, err: error }, 'one-way call not sent');
  }

  /** Sends every call still waiting onto `invoker`, in the order they were made. */
  flush(invoker: Invoker): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const waiter of queue) {
      if (waiter.settled) continue;
      this.#detach(waiter);
      if (waiter.resolve === undefined) {
        invoker.send(waiter.op, waiter.args, waiter.opts);
        continue;
      }
      const timeoutMs = waiter.deadline - now();
      invoker.call(waiter.op, waiter.args, { ...waiter.opts, timeoutMs }).then(waiter.resolve, waiter.reject);
    }
    this.#tellEmptied();
  }

  /** Fails every call still waiting with (a copy of) `error`. */
  fail(error: RpcError): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const waiter of queue) this.#settle(waiter, new RpcError(error.code, error.message, { cause: error.cause }));
    this.#tellEmptied();
  }

  #tellEmptied(): void {
    const emptied = this.#emptied;
    this.#emptied = undefined;
    emptied?.resolve();
  }

  #settle(waiter: Waiter, error: RpcError): void {
    if (waiter.settled) return;
    this.#detach(waiter);
    if (waiter.reject !== undefined) waiter.reject(error);
    else this.sendFailed(waiter.op, error);
  }

  #detach(waiter: Waiter): void {
    waiter.settled = true;
    clearTimeout(waiter.timer);
    if (waiter.onAbort !== undefined) waiter.opts!.signal!.removeEventListener('abort', waiter.onAbort);
  }
}
