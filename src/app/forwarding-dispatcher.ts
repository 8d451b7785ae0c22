import { decodeFramedJson } from '../cluster/framed-json.js';
import { decodeUpdate, encodeSnapshot } from '../cluster/session-snapshot.js';
import type { Dispatcher, Session } from '../gateway/index.js';
import { RpcError, type RpcCallOptions } from '../rpc/index.js';
import { MessageType, type Message } from '../wire/index.js';
import type { ClusterRuntime } from './cluster-runtime.js';
import type { LocalDispatcher } from './local-dispatcher.js';

/**
 * A frontend's dispatcher in a cluster: routes served in this process run here; every other route
 * goes, body untouched, to the server discovery and the picker choose, with a snapshot of the
 * session. The reply's session changes are applied before the client gets the answer.
 */
export class ForwardingDispatcher implements Dispatcher {
  readonly #local: LocalDispatcher;
  readonly #localRoutes: ReadonlySet<string>;
  readonly #runtime: ClusterRuntime;
  readonly #publicRoutes: ReadonlySet<string>;
  /** Encoded snapshots by session, reused until the session changes (most requests change nothing). */
  readonly #snapshots = new WeakMap<Session, { version: number; bytes: Uint8Array }>();

  constructor(local: LocalDispatcher, localRoutes: Iterable<string>, runtime: ClusterRuntime, publicRoutes: Iterable<string> = []) {
    this.#local = local;
    this.#localRoutes = new Set(localRoutes);
    this.#runtime = runtime;
    this.#publicRoutes = new Set(publicRoutes);
  }

  isPublic(route: string): boolean {
    return this.#localRoutes.has(route) ? this.#local.isPublic(route) : this.#publicRoutes.has(route);
  }

  dispatch(session: Session, message: Message): void {
    if (this.#localRoutes.has(message.route)) {
      this.#local.dispatch(session, message);
      return;
    }
    const target = this.#runtime.pick(message.route, session.id);
    if (target instanceof RpcError) {
      if (message.type === MessageType.Request) session.respondError(message.id, target);
      return;
    }
    this.#runtime.servedBy(session.id, target.id);
    const invoker = this.#runtime.invoker(target, session.id);
    const op = { route: message.route, code: 0, oneway: message.type === MessageType.Notify };
    const opts: RpcCallOptions = { session: this.#snapshot(session), timeoutMs: this.#runtime.callTimeoutMs };
    if (op.oneway) {
      try {
        invoker.send(op, message.body, opts);
      } catch (err) {
        this.#runtime.logError(err, `forwarding notify ${message.route} failed`);
      }
      return;
    }
    const id = message.id;
    invoker.call(op, message.body, opts).then(
      (reply) => this.#answer(session, id, reply),
      (err: unknown) => session.respondError(id, RpcError.from(err)),
    );
  }

  #answer(session: Session, id: number, reply: Uint8Array): void {
    let body: Uint8Array;
    try {
      const framed = decodeFramedJson(reply);
      if (framed.header !== undefined) session.applyUpdate(decodeUpdate(framed.header));
      body = framed.body;
    } catch (err) {
      session.respondError(id, new RpcError('bad_payload', `malformed forwarded reply: ${(err as Error).message}`));
      return;
    }
    session.respond(id, body);
  }

  #snapshot(session: Session): Uint8Array {
    const cached = this.#snapshots.get(session);
    if (cached && cached.version === session.version) return cached.bytes;
    const bytes = encodeSnapshot({ id: session.id, frontendId: session.frontendId, uid: session.uid, version: session.version, data: session.data() });
    this.#snapshots.set(session, { version: session.version, bytes });
    return bytes;
  }
}
