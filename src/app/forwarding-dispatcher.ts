import { decodeFramedJson } from '../cluster/framed-json.js';
import { decodeUpdate, encodeSnapshot, type SessionSnapshot } from '../cluster/session-snapshot.js';
import type { Dispatcher, Session } from '../gateway/index.js';
import { RpcError, callInto, type ReplyReceiver, type RpcCallOptions } from '../rpc/index.js';
import { MessageType, type Message } from '../wire/index.js';
import type { Metrics } from '../cluster/metrics.js';
import type { ClusterRuntime } from './cluster-runtime.js';
import type { LocalDispatcher } from './local-dispatcher.js';

/**
 * A forwarded request and, once settled, its outcome. The backend's answer comes to it by callback
 * (hot path: one object per request instead of a Promise, its closures and a microtask).
 */
class PendingReply implements ReplyReceiver {
  reply: Uint8Array | undefined = undefined;
  error: RpcError | undefined = undefined;

  constructor(
    readonly id: number,
    readonly route: string,
    readonly session: Session,
    readonly queue: ReplyQueue,
    readonly started: number,
    readonly onSettled: (slot: PendingReply) => void,
  ) {}

  replied(body: Uint8Array): void {
    this.reply = body;
    this.onSettled(this);
  }

  failed(error: RpcError): void {
    this.error = error;
    this.onSettled(this);
  }
}

/** Failures after which the backend may have run the call and its reply (with session changes) be lost. */
const REPLY_MAYBE_LOST: ReadonlySet<string> = new Set(['deadline_exceeded', 'unavailable', 'cancelled']);

/** A session's forwarded requests in the order they were sent; `head` is the oldest unanswered. */
interface ReplyQueue {
  slots: PendingReply[];
  head: number;
}

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
  /** Forwarded requests awaiting their reply, per session, oldest first (an empty queue stays with its session). */
  readonly #pending = new WeakMap<Session, ReplyQueue>();
  /** Encoded snapshots by session, reused until the session changes (most requests change nothing). */
  readonly #snapshots = new WeakMap<Session, { version: number; bytes: Uint8Array }>();
  /**
   * Sessions a forwarded reply may have been lost for (deadline passed, connection gone): the
   * backend's copy may hold changes that never came back, so their next snapshot says `resync`.
   */
  readonly #unsure = new WeakSet<Session>();

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
    const target = this.#runtime.pick(message.route, session, message.routeCode);
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
    let queue = this.#pending.get(session);
    if (!queue) this.#pending.set(session, (queue = { slots: [], head: 0 }));
    const metrics = this.#metrics;
    const started = metrics ? performance.now() : 0;
    const slot = new PendingReply(message.id, op.route, session, queue, started, this.#onSettled);
    queue.slots.push(slot);
    metrics?.forwardStarted();
    callInto(invoker, op, message.body, opts, slot);
  }

  /** A forwarded request's reply or failure came (runs in the transport's receive loop: never throws). */
  readonly #onSettled = (slot: PendingReply): void => {
    try {
      if (slot.error && REPLY_MAYBE_LOST.has(slot.error.code)) this.#unsure.add(slot.session);
      this.#settled(slot.route, slot.started);
      this.#release(slot.session, slot.queue);
    } catch (err) {
      this.#runtime.logError(err, `answering forwarded ${slot.route} failed`);
    }
  };

  /**
   * Answers the session's settled requests from the oldest on. The backend runs a session's calls
   * in order, but replies can settle out of order in this process (a call that waited for a pool
   * connection resolves a few microtasks later than one sent directly); the client still gets its
   * answers in the order it asked.
   */
  #release(session: Session, queue: ReplyQueue): void {
    const slots = queue.slots;
    while (queue.head < slots.length) {
      const slot = slots[queue.head]!;
      if (slot.reply === undefined && slot.error === undefined) break;
      queue.head++;
      if (slot.error) session.respondError(slot.id, slot.error);
      else this.#answer(session, slot.id, slot.reply!);
    }
    if (queue.head === slots.length) {
      // Emptied, and kept for the session's next request (one lookup then, not a new entry).
      slots.length = 0;
      queue.head = 0;
    } else if (queue.head > 1024 && queue.head * 2 > slots.length) {
      // Drop answered slots now and then: a head index keeps each release O(1).
      queue.slots = slots.slice(queue.head);
      queue.head = 0;
    }
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
    const resync = this.#unsure.delete(session);
    const cached = this.#snapshots.get(session);
    if (!resync && cached && cached.version === session.version) return cached.bytes;
    const movedFrom = this.#runtime.movedFrom(session.id);
    const snap: SessionSnapshot = { id: session.id, frontendId: session.frontendId, incarnation: this.#runtime.incarnation, uid: session.uid, version: session.version, data: session.data() };
    const bytes = encodeSnapshot({ ...snap, ...(movedFrom === undefined ? {} : { movedFrom }), ...(resync ? { resync } : {}) });
    if (!resync) this.#snapshots.set(session, { version: session.version, bytes });
    return bytes;
  }
}
