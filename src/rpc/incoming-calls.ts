import type { CallContext, Extra, Invoker } from './call.js';
import { DeadlineTimer, now } from './deadline-timer.js';
import { RpcError } from './errors.js';

const NO_EXTRA: Extra = Object.freeze({}) as Extra;

/**
 * The context a servant sees for one incoming call. The AbortSignal is made only when the servant
 * first reads `signal` (hot path: most servants never do, and an AbortController per call is a
 * measurable cost); a cancel that comes earlier is remembered and the signal starts aborted.
 */
export class IncomingCall implements CallContext {
  readonly route: string;
  readonly extra: Extra;
  readonly caller: Invoker | undefined;
  /** Route code the request named, if any. */
  readonly code: number | undefined;
  /** Opaque bytes a forwarding gateway attached (a session snapshot), if any. */
  readonly session: Uint8Array | undefined;
  /** Peer's call id (0 for one-way). */
  readonly id: number;
  /** Monotonic deadline in ms (Infinity for none). */
  readonly deadline: number;
  #controller: AbortController | undefined;
  #reason: RpcError | undefined;

  constructor(
    id: number,
    route: string,
    code: number | undefined,
    extra: Extra | undefined,
    session: Uint8Array | undefined,
    timeoutMs: number | undefined,
    caller: Invoker | undefined,
  ) {
    this.id = id;
    this.route = route;
    this.code = code;
    this.extra = extra ?? NO_EXTRA;
    this.session = session;
    this.deadline = timeoutMs === undefined ? Infinity : now() + timeoutMs;
    this.caller = caller;
  }

  /** Fires on cancel, deadline or connection close; its reason is an RpcError. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Why the call was given up, once it was. */
  get abortReason(): RpcError | undefined {
    return this.#reason;
  }

  /** Gives the call up; the first reason wins. */
  abort(reason: RpcError): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/**
 * Incoming calls whose servant is still working (those that returned a Promise), so a cancel,
 * the deadline the caller sent, or the connection closing can abort them. Shares one timer for
 * all deadlines like {@link PendingCalls}.
 */
export class IncomingCalls {
  /** Calls the caller may cancel, by the id it gave them. */
  readonly #byId = new Map<number, IncomingCall>();
  /** One-way calls, and two-way calls whose ids are not unique (many callers share the table). */
  readonly #unkeyed = new Set<IncomingCall>();
  readonly #timer: DeadlineTimer;

  /** @param sweepResolutionMs Smallest gap between two deadline sweeps, in milliseconds. */
  constructor(sweepResolutionMs = 10) {
    this.#timer = new DeadlineTimer(this.#sweep, sweepResolutionMs);
  }

  /** Calls in progress. */
  get size(): number {
    return this.#byId.size + this.#unkeyed.size;
  }

  /** Tracks a call until {@link finish}; `keyed` calls can be cancelled by id. */
  start(call: IncomingCall, keyed: boolean): void {
    if (keyed) this.#byId.set(call.id, call);
    else this.#unkeyed.add(call);
    if (call.deadline !== Infinity) this.#timer.schedule(call.deadline);
  }

  /** Stops tracking a call that has ended; `keyed` as given to {@link start}. */
  finish(call: IncomingCall, keyed: boolean): void {
    if (!keyed) this.#unkeyed.delete(call);
    else if (this.#byId.get(call.id) === call) this.#byId.delete(call.id);
  }

  /** The caller gave up call `id`. */
  cancel(id: number): void {
    this.#byId.get(id)?.abort(new RpcError('cancelled', 'the caller cancelled the call'));
  }

  /** Aborts every call: the connection has ended. */
  close(reason: RpcError): void {
    this.#timer.stop();
    for (const call of this.#byId.values()) call.abort(reason);
    for (const call of this.#unkeyed) call.abort(reason);
  }

  #sweep = (time: number): number => {
    let next = Infinity;
    for (const calls of [this.#byId.values(), this.#unkeyed.values()]) {
      for (const call of calls) {
        if (call.abortReason !== undefined) continue;
        if (call.deadline <= time) call.abort(new RpcError('deadline_exceeded'));
        else if (call.deadline < next) next = call.deadline;
      }
    }
    return next;
  };
}
