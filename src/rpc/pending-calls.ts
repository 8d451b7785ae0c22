import { attachCallSite, type CallSite } from './call-site.js';
import { DeadlineTimer, now } from './deadline-timer.js';
import { RpcError, type RpcCode } from './errors.js';
import { PromiseReceiver, failLater, type ReplyReceiver } from './reply-receiver.js';

/** One outstanding two-way call. A class, so every entry has the same shape (hot path). */
class PendingCall {
  constructor(
    readonly receiver: ReplyReceiver,
    readonly deadline: number,
    readonly site: CallSite | undefined,
    readonly signal: AbortSignal | undefined,
    readonly onAbort: (() => void) | undefined,
  ) {}
}

/** Options of a {@link PendingCalls} table. */
export interface PendingCallsOptions {
  /** Smallest gap between two deadline sweeps, in milliseconds. Default 10. */
  sweepResolutionMs?: number;
  /** Told the id of each call given up locally (abort), so the peer can be sent a cancel. */
  onCancel?: (id: number) => void;
}

/**
 * Outstanding two-way calls of one connection, by call id. It settles each call exactly once: by
 * its reply, its error reply, its deadline, its AbortSignal, or the connection closing, whichever
 * comes first; anything arriving for an id it no longer holds (a late reply) is dropped.
 * Deadlines share one timer (see {@link DeadlineTimer}).
 */
export class PendingCalls {
  readonly #calls = new Map<number, PendingCall>();
  readonly #timer: DeadlineTimer;
  readonly #onCancel: ((id: number) => void) | undefined;
  #closed: RpcError | undefined;

  constructor(options: PendingCallsOptions = {}) {
    this.#timer = new DeadlineTimer(this.#sweep, options.sweepResolutionMs ?? 10);
    this.#onCancel = options.onCancel;
  }

  /** Calls waiting for a reply. */
  get size(): number {
    return this.#calls.size;
  }

  /** Whether `id` is in use (the id allocator skips such ids after wrapping). */
  has(id: number): boolean {
    return this.#calls.has(id);
  }

  /**
   * Registers call `id` and returns the promise of its reply body. `timeoutMs` is relative
   * (Infinity for none). Fails at once if the table is closed or the signal has fired.
   */
  add(id: number, timeoutMs: number, signal: AbortSignal | undefined, site: CallSite | undefined): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      const refused = this.#refusal(signal, site);
      if (refused !== undefined) return reject(refused);
      this.#register(id, timeoutMs, signal, site, new PromiseReceiver(resolve, reject));
    });
  }

  /** As {@link add}, with the outcome going to `receiver` (a refusal at once comes in a microtask). */
  addReceiver(id: number, timeoutMs: number, signal: AbortSignal | undefined, site: CallSite | undefined, receiver: ReplyReceiver): void {
    const refused = this.#refusal(signal, site);
    if (refused !== undefined) return failLater(receiver, refused);
    this.#register(id, timeoutMs, signal, site, receiver);
  }

  /** Settles call `id` with its reply body; false if the id is unknown (late or bogus reply). */
  resolve(id: number, body: Uint8Array): boolean {
    const call = this.#take(id);
    if (call === undefined) return false;
    call.receiver.replied(body);
    return true;
  }

  /** Fails call `id` with `err` (the call site is attached); false if the id is unknown. */
  reject(id: number, err: RpcError): boolean {
    const call = this.#take(id);
    if (call === undefined) return false;
    call.receiver.failed(withSite(err, call.site));
    return true;
  }

  /** Fails every call with `code` and refuses new ones: the connection has ended. */
  close(code: RpcCode, message: string, cause?: unknown): void {
    if (this.#closed !== undefined) return;
    this.#closed = new RpcError(code, message, { cause });
    this.#timer.stop();
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const call of calls) {
      detach(call);
      call.receiver.failed(withSite(copyError(this.#closed), call.site));
    }
  }

  /** Why a new call fails at once (table closed, signal fired), or undefined. */
  #refusal(signal: AbortSignal | undefined, site: CallSite | undefined): RpcError | undefined {
    if (this.#closed !== undefined) return withSite(copyError(this.#closed), site);
    if (signal?.aborted) return withSite(new RpcError('cancelled', undefined, { cause: signal.reason }), site);
    return undefined;
  }

  #register(id: number, timeoutMs: number, signal: AbortSignal | undefined, site: CallSite | undefined, receiver: ReplyReceiver): void {
    const deadline = timeoutMs === Infinity ? Infinity : now() + timeoutMs;
    const onAbort = signal === undefined ? undefined : () => this.#abort(id, signal);
    this.#calls.set(id, new PendingCall(receiver, deadline, site, signal, onAbort));
    if (onAbort !== undefined) signal!.addEventListener('abort', onAbort, { once: true });
    if (deadline !== Infinity) this.#timer.schedule(deadline);
  }

  #take(id: number): PendingCall | undefined {
    const call = this.#calls.get(id);
    if (call === undefined) return undefined;
    this.#calls.delete(id);
    detach(call);
    return call;
  }

  #abort(id: number, signal: AbortSignal): void {
    if (this.reject(id, new RpcError('cancelled', undefined, { cause: signal.reason }))) this.#onCancel?.(id);
  }

  #sweep = (time: number): number => {
    let next = Infinity;
    for (const [id, call] of this.#calls) {
      if (call.deadline <= time) this.reject(id, new RpcError('deadline_exceeded'));
      else if (call.deadline < next) next = call.deadline;
    }
    return next;
  };
}

function detach(call: PendingCall): void {
  if (call.onAbort !== undefined) call.signal!.removeEventListener('abort', call.onAbort);
}

function withSite(err: RpcError, site: CallSite | undefined): RpcError {
  return attachCallSite(err, site);
}

/** Each failed call gets its own error object, so attaching one call's site leaves others intact. */
function copyError(err: RpcError): RpcError {
  return new RpcError(err.code, err.message, { cause: err.cause });
}
