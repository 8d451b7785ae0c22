import type { CallContext, Invoker, OperationEntry } from '../rpc/call.js';
import { RpcError } from '../rpc/errors.js';
import type { Message } from '../wire/message.js';
import { decodeJson } from './client-bodies.js';
import type { PushListener } from './client-events.js';
import { ServedOperations, type ServedOperation } from './served-operations.js';
import { TypedEmitter } from './typed-emitter.js';

/** What a client's pushes need from the client: the context served operations run in, and where failures go. */
export interface PushHost {
  /** Aborted when the client closes; served operations see it in their call context. */
  readonly signal: AbortSignal;
  /** The client's invoker: a served operation calls back through it. */
  invoker(): Invoker;
  /** Reports a failure no call reports (the client's `error` event). */
  error(err: RpcError): void;
  /** A push listener threw. */
  listenerFailed(err: unknown, route: string): void;
}

/**
 * The pushes a client gets from the server, by route: a push on a route the client serves is a call
 * from a backend (the operation gets the bytes), any other goes JSON-decoded to the route's `on()`
 * listeners, and one nobody takes is dropped.
 */
export class ClientPushes {
  readonly #host: PushHost;
  readonly #listeners: TypedEmitter<Record<string, PushListener>>;
  readonly #served = new ServedOperations();

  constructor(host: PushHost) {
    this.#host = host;
    this.#listeners = new TypedEmitter<Record<string, PushListener>>((err, route) => host.listenerFailed(err, route));
  }

  /** Listens to the pushes of `route`. */
  on(route: string, listener: PushListener): void {
    this.#listeners.on(route, listener);
  }

  /** Removes a listener added with `on`. */
  off(route: string, listener: PushListener): void {
    this.#listeners.off(route, listener);
  }

  /** Serves `operations` with `servant`; returns a function that stops serving them. */
  serve<S>(servant: S, operations: readonly OperationEntry<S>[]): () => void {
    return this.#served.add(servant, operations);
  }

  /** Hands a push to the operation served on its route, else to the route's listeners. */
  deliver(msg: Message): void {
    if (msg.compressed) {
      this.#host.error(new RpcError('bad_payload', `compressed push on ${msg.route}, but compression was not negotiated`));
      return;
    }
    const served = this.#served.get(msg.route);
    if (served) this.#invoke(served, msg);
    else if (this.#listeners.has(msg.route)) this.#emit(msg);
  }

  #emit(msg: Message): void {
    let body: unknown;
    try {
      body = decodeJson(msg.body, `push on ${msg.route}`);
    } catch (err) {
      this.#host.error(RpcError.from(err));
      return;
    }
    this.#listeners.emit(msg.route, body, msg.route);
  }

  #invoke(served: ServedOperation, msg: Message): void {
    const ctx: CallContext = { route: msg.route, extra: {}, signal: this.#host.signal, caller: this.#host.invoker() };
    const failed = (err: unknown): void => {
      const e = RpcError.from(err);
      this.#host.error(new RpcError(e.code, `served operation ${msg.route} failed: ${e.message}`, { cause: err }));
    };
    try {
      const result = served.entry.invoke(served.servant, msg.body, ctx);
      if (result instanceof Promise) result.catch(failed);
    } catch (err) {
      failed(err);
    }
  }
}
