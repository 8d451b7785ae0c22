import type { Logger } from 'pino';
import { SessionInvoker, type ClientSession, type ReplySink } from '../gateway/index.js';
import type { CallContext, Extra, Invoker } from '../rpc/call.js';
import { RpcError } from '../rpc/errors.js';
import { MessageType, ProtocolError, type Message } from '../wire/index.js';
import type { HandlerContext } from './handler-context.js';
import type { RouteEntry } from './handler-registry.js';
import type { Job } from './scheduler.js';

/**
 * One request or notify on its way through a handler: the scheduler's job, the handler's context
 * and an IDL servant's call context in one object, so a message costs one allocation here.
 */
export class HandlerCall implements Job, HandlerContext, CallContext {
  readonly route: string;
  readonly session: ClientSession;
  readonly isRequest: boolean;
  readonly #sink: ReplySink;
  readonly #id: number;
  readonly #body: Uint8Array;
  readonly #entry: RouteEntry;
  readonly #logger: Logger;
  #extra: Extra | undefined;
  #abort: AbortController | undefined;
  /** Aborts the call when the session closes; made with the signal, as most calls never read it. */
  #onSessionClosed: (() => void) | undefined;

  /** @param sink where the answer goes: the session on a gateway, the forwarding reply on a backend. */
  constructor(session: ClientSession, message: Pick<Message, 'type' | 'id' | 'route' | 'body'>, entry: RouteEntry, logger: Logger, sink: ReplySink) {
    this.session = session;
    this.#sink = sink;
    this.route = message.route;
    this.isRequest = message.type === MessageType.Request;
    this.#id = message.id;
    this.#body = message.body;
    this.#entry = entry;
    this.#logger = logger;
  }

  get extra(): Extra {
    if (!this.#extra) {
      this.#extra = { sessionId: this.session.id };
      if (this.session.uid !== undefined) this.#extra.uid = this.session.uid;
    }
    return this.#extra;
  }

  /** Aborts when the session closes while the call runs (created on first use). */
  get signal(): AbortSignal {
    if (!this.#abort) {
      const abort = (this.#abort = new AbortController());
      this.#onSessionClosed = () => abort.abort(new RpcError('cancelled', 'session closed'));
      this.session.onClose(this.#onSessionClosed);
    }
    return this.#abort.signal;
  }

  /** Calls back to an interface the client serves, as pushes (bidirectional calls). */
  get caller(): Invoker {
    return new SessionInvoker(this.session);
  }

  push(route: string, body: unknown): boolean {
    return this.session.push(route, body);
  }

  /** The scheduler queue this call runs on: the route's named scheduler, else the session. */
  queueKey(): string {
    const keyFn = this.#entry.schedulerKey;
    if (!keyFn) return this.session.id;
    try {
      return String(keyFn(this));
    } catch (err) {
      this.#logger.error({ err, route: this.route }, 'scheduler key function failed; using the session queue');
      return this.session.id;
    }
  }

  /** Decodes the body, runs the handler chain, and answers; never throws. */
  run(): unknown {
    let result: unknown;
    try {
      result = this.#entry.run(this, this.#entry.decode(this.#body));
    } catch (err) {
      this.#fail(err);
      return undefined;
    }
    if (result instanceof Promise) {
      return result.then(
        (v: unknown) => this.#succeed(v),
        (err: unknown) => this.#fail(err),
      );
    }
    this.#succeed(result);
    return undefined;
  }

  #succeed(value: unknown): void {
    if (this.#onSessionClosed) this.session.offClose(this.#onSessionClosed);
    if (!this.isRequest) return;
    let bytes: Uint8Array;
    try {
      bytes = this.#entry.encode(value);
    } catch (err) {
      this.#fail(err);
      return;
    }
    this.#sink.respond(this.#id, bytes);
  }

  #fail(err: unknown): void {
    if (this.#onSessionClosed) this.session.offClose(this.#onSessionClosed);
    const rpcErr = err instanceof ProtocolError ? new RpcError('bad_payload', err.message) : RpcError.from(err);
    if (rpcErr.code === 'internal') this.#logger.error({ err, route: this.route, session: this.session.id }, 'handler failed');
    else this.#logger.debug({ err: rpcErr, route: this.route }, 'handler refused the call');
    if (this.isRequest) this.#sink.respondError(this.#id, rpcErr);
  }
}
