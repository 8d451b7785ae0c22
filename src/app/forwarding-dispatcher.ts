import { decodeFramedJson } from '../cluster/framed-json.js';
import { decodeUpdate, encodeSnapshot } from '../cluster/session-snapshot.js';
import type { Dispatcher, Session } from '../gateway/index.js';
import { RpcError, type RpcCallOptions } from '../rpc/index.js';
import { MessageType, type Message } from '../wire/index.js';
import type { Metrics } from '../cluster/metrics.js';
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

  readonly #metrics: Metrics | undefined;

  constructor(
    local: LocalDispatcher,
    localRoutes: Iterable<string>,
    runtime: ClusterRuntime,
    options: { publicRoutes?: Iterable<string>; metrics?: Metrics } = {},
  ) {
    this.#local = local;
    this.#localRoutes = new Set(localRoutes);
    this.#runtime = runtime;
    this.#publicRoutes = new Set(options.publicRoutes ?? []);
    this.#metrics = options.metrics;
  }

  isPublic(route: string): boolean {
    return this.#localRoutes.has(route) ? this.#local.isPublic(route) : this.#publicRoutes.has(route);
  }

  dispatch(session: Session, message: Message): void {
    if (this.#localRoutes.has(message.route)) {
      this.#local.dispatch(session, message);
      return;
    }
    const target = this.#runtime.pick(message.route, session.id, message.routeCode);
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
    const metrics = this.#metrics;
    const started = metrics ? performance.now() : 0;
    metrics?.forwardStarted();
    invoker.call(op, message.body, opts).then(
      (reply) => {
        this.#settled(op.route, started);
        this.#answer(session, id, reply);
      },
      (err: unknown) => {
        this.#settled(op.route, started);
        session.respondError(id, RpcError.from(err));
      },
    );
  }

  #settled(route: string, started: number): void {
    const m = this.#metrics;
    if (!m) return;
    m.forwardSettled();
    m.requestDone(route, (performance.now() - started) / 1000);
    m.messageOut(route);
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
