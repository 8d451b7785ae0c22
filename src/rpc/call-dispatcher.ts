import { EMPTY_BYTES } from '../wire/bytes.js';
import type { Adapter } from './adapter.js';
import type { Invoker } from './call.js';
import { encodeEnvelope, encodeErrorBody } from './envelope-encoder.js';
import { answerEnvelope, type Envelope } from './envelope.js';
import { RpcError } from './errors.js';
import { IncomingCall, IncomingCalls } from './incoming-calls.js';
import type { RpcLogger } from './logger.js';

/** Where an incoming call came from and how its answer travels back. */
export interface CallOrigin {
  /** The peer, for logs. */
  readonly remote: string;
  /** An invoker back to the caller (the servant's `ctx.caller`); undefined where the link cannot carry calls back. */
  readonly caller: Invoker | undefined;
  /** Sends one encoded reply or error reply envelope to the caller; never used for one-way calls. */
  respond(frame: Uint8Array): void;
}

/** Options of a {@link CallDispatcher}. */
export interface CallDispatcherOptions {
  /** Where servant failures of one-way calls and non-RpcError throws are reported. */
  logger: RpcLogger;
  /** Smallest gap between two deadline sweeps, in milliseconds. Default 10. */
  sweepResolutionMs?: number | undefined;
  /**
   * Tracks two-way calls by their call id so the caller can cancel them. True for a link where ids
   * are unique (one connection); false where many callers share the dispatcher (a NATS subject).
   * Default true.
   */
  cancelById?: boolean | undefined;
}

/**
 * Runs incoming requests against an adapter and sends their answers back: the servant side of RPC,
 * shared by {@link RpcConnection} (one link) and message transports such as NATS (many callers).
 * Calls are started in the order they are given, so a transport that delivers in order keeps it.
 */
export class CallDispatcher {
  readonly #incoming: IncomingCalls;
  readonly #logger: RpcLogger;
  readonly #cancelById: boolean;

  constructor(options: CallDispatcherOptions) {
    this.#logger = options.logger;
    this.#cancelById = options.cancelById ?? true;
    this.#incoming = new IncomingCalls(options.sweepResolutionMs ?? 10);
  }

  /** Calls whose servant is still working. */
  get inProgress(): number {
    return this.#incoming.size;
  }

  /** Hot path: runs one request or one-way envelope; a servant that answers synchronously never touches a Promise. */
  dispatch(env: Envelope, adapter: Adapter | undefined, origin: CallOrigin): void {
    const oneway = env.kind === 'oneway';
    let call: IncomingCall | undefined;
    let result: Uint8Array | Promise<Uint8Array>;
    try {
      if (adapter === undefined) throw new RpcError('not_found', `no adapter serves calls from ${origin.remote}`);
      const target = adapter.find(env.route, env.code);
      call = new IncomingCall(env.id, target.entry.route, env.code, env.extra, env.session, env.timeoutMs, origin.caller);
      result = target.entry.invoke(target.servant, env.body, call);
    } catch (err) {
      return this.#answerError(env, oneway, err, origin);
    }
    if (!isPromiseLike(result)) return this.#answer(call, oneway, result, origin);
    const started = call;
    const keyed = !oneway && this.#cancelById;
    this.#incoming.start(started, keyed);
    result.then(
      (body) => {
        this.#incoming.finish(started, keyed);
        this.#answer(started, oneway, body, origin);
      },
      (err: unknown) => {
        this.#incoming.finish(started, keyed);
        if (started.abortReason === undefined) this.#answerError(env, oneway, err, origin);
      },
    );
  }

  /** The caller gave up call `id` (only with `cancelById`). */
  cancel(id: number): void {
    this.#incoming.cancel(id);
  }

  /** Aborts every call in progress with `reason`; their late answers are not sent. */
  close(reason: RpcError): void {
    this.#incoming.close(reason);
  }

  #answer(call: IncomingCall, oneway: boolean, body: unknown, origin: CallOrigin): void {
    if (oneway || call.abortReason !== undefined) return;
    if (body === undefined) body = EMPTY_BYTES;
    if (!(body instanceof Uint8Array)) {
      return this.#answerError(call, false, new RpcError('internal', `operation ${call.route} returned no bytes`), origin);
    }
    origin.respond(encodeEnvelope(answerEnvelope('reply', call.id, body)));
  }

  #answerError(
    req: { id: number; route: string | undefined; code: number | undefined },
    oneway: boolean,
    err: unknown,
    origin: CallOrigin,
  ): void {
    const error = RpcError.from(err);
    const fields = { remote: origin.remote, route: req.route, routeCode: req.code, code: error.code, err };
    if (!(err instanceof RpcError)) this.#logger.error(fields, 'servant threw a non-RpcError');
    else if (oneway) this.#logger.warn(fields, 'one-way call failed');
    if (oneway) return;
    origin.respond(encodeEnvelope(answerEnvelope('error', req.id, encodeErrorBody(error.code, error.message))));
  }
}

function isPromiseLike(v: unknown): v is Promise<Uint8Array> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}
