import type { Logger } from 'pino';
import { encodeFramedJson } from '../cluster/framed-json.js';
import { decodeSnapshot } from '../cluster/session-snapshot.js';
import type { ReplySink } from '../gateway/index.js';
import { IncomingCall, RpcError, type Adapter, type CallContext, type OperationEntry } from '../rpc/index.js';
import { EMPTY_BYTES } from '../wire/bytes.js';
import { MessageType, utf8Decode } from '../wire/index.js';
import { CopyCloseReason } from './copy-reconciler.js';
import { HandlerCall } from './handler-call.js';
import type { HandlerRegistry, RouteEntry } from './handler-registry.js';
import { RemoteSession, type RemoteSessionHost } from './remote-session.js';
import { SnapshotMemo } from './snapshot-memo.js';
import type { Scheduler } from './scheduler.js';

/**
 * Collects a forwarded request's answer and the session's changes. Hot path: a handler that answers
 * at once (its session queue idle, no await) is answered without a Promise or a microtask.
 */
class ForwardedReply implements ReplySink {
  #done = false;
  #bytes: Uint8Array | undefined;
  #error: RpcError | undefined;
  #resolve: ((bytes: Uint8Array) => void) | undefined;
  #reject: ((err: RpcError) => void) | undefined;

  constructor(readonly session: RemoteSession) {}

  respond(_id: number, body: Uint8Array): void {
    this.#settle(encodeFramedJson(this.session.takeUpdate(), body), undefined);
  }

  respondError(_id: number, err: RpcError): void {
    this.#settle(undefined, err);
  }

  /** The answer: returned (or thrown) if the handler already gave it, else a promise of it. */
  result(): Uint8Array | Promise<Uint8Array> {
    if (this.#done) {
      if (this.#error) throw this.#error;
      return this.#bytes!;
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  #settle(bytes: Uint8Array | undefined, err: RpcError | undefined): void {
    if (this.#done) return;
    this.#done = true;
    this.#bytes = bytes;
    this.#error = err;
    if (err) this.#reject?.(err);
    else if (this.#resolve) this.#resolve(bytes!);
  }
}

/** For one-way calls: no answer travels; session changes go by update message. */
const NO_REPLY: ReplySink = { respond: () => {}, respondError: () => {} };

/** What a backend asks of the cluster about the gateways that call it. */
export interface BackendHooks {
  /** A gateway's calls come from a new process: its old sessions are gone. */
  restarted(frontendId: string): void;
  /**
   * Resolves once system messages to gateway `frontendId` go out at once (discovery lists it);
   * undefined when they already do. Calls from it wait, so their answers follow what they pushed.
   */
  untilListed(frontendId: string): Promise<void> | undefined;
  /**
   * Resolves once system messages already sent to gateway `frontendId` have left this process,
   * when some still wait for the connection to it to open (a backend just started); undefined when
   * none wait. A call's answer waits for it, so the gateway has what the call pushed first.
   */
  untilSent(frontendId: string): Promise<void> | undefined;
}

/**
 * A backend's side of forwarding: every handler route becomes an operation other servers call with
 * the request body and a session snapshot; the handler runs on the session's queue against a
 * {@link RemoteSession}, and the reply carries the answer plus the session's changes.
 */
export class BackendService {
  readonly #sessions = new Map<string, RemoteSession>();
  readonly #memo = new SnapshotMemo();
  readonly #registry: HandlerRegistry;
  readonly #scheduler: Scheduler;
  readonly #logger: Logger;
  readonly #host: RemoteSessionHost;
  readonly #hooks: BackendHooks;
  /** The incarnation last seen per gateway (one entry per gateway id): a new one means it restarted. */
  readonly #incarnations = new Map<string, string | undefined>();
  #inFlight = 0;
  #lastArrival = 0;

  constructor(registry: HandlerRegistry, scheduler: Scheduler, logger: Logger, host: RemoteSessionHost, hooks: BackendHooks) {
    this.#registry = registry;
    this.#scheduler = scheduler;
    this.#logger = logger;
    this.#host = host;
    this.#hooks = hooks;
  }

  /**
   * Serves every handler route on `adapter`, except internal ones: what arrives here was forwarded
   * from a client by a gateway, and clients must not reach internal routes on any server.
   */
  addTo(adapter: Adapter): void {
    const entries = [...this.#registry.routes.values()].filter((e) => !e.internal).map((e) => this.#entry(e));
    if (entries.length > 0) adapter.add(this, entries);
  }

  /** The gateway says a session closed: its copy runs its close hooks and is dropped. */
  sessionClosed(sid: string, reason: string): void {
    const s = this.#sessions.get(sid);
    if (s) this.closeCopy(s, reason);
  }

  /**
   * A session this backend served was resumed at gateway `frontendId` as `to`: its copy is kept
   * under the new id (data, close hooks, groups' members), not closed. Nothing when there is no
   * copy of `from`, or already one of `to` (a forwarded call carrying `movedFrom` came first).
   */
  sessionMoved(from: string, to: string, frontendId: string, incarnation: string | undefined): RemoteSession | undefined {
    const copy = this.#sessions.get(from);
    if (!copy || from === to || this.#sessions.has(to)) return undefined;
    this.#sessions.delete(from);
    this.#memo.forget(copy); // a snapshot of the old id must not find the copy under its new one
    copy.moved(to, frontendId, incarnation);
    this.#sessions.set(to, copy);
    return copy;
  }

  /** Closes `copy` (close hooks, then dropped) if it is still the copy held for its session id. */
  closeCopy(copy: RemoteSession, reason: string): void {
    if (this.#sessions.get(copy.id) !== copy) return;
    this.#sessions.delete(copy.id);
    this.#memo.forget(copy);
    copy.markClosed(reason);
  }

  /** The copies held of gateway `frontendId`'s sessions, for checking them with it. */
  copiesOf(frontendId: string): RemoteSession[] {
    const out: RemoteSession[] = [];
    for (const s of this.#sessions.values()) if (s.frontendId === frontendId) out.push(s);
    return out;
  }

  /** The gateways whose sessions have copies here. */
  frontendsWithCopies(): Set<string> {
    const out = new Set<string>();
    for (const s of this.#sessions.values()) out.add(s.frontendId);
    return out;
  }

  /** Resolves once nothing is in flight and nothing new arrived for `quietMs` (or after 30 s). */
  async drain(quietMs: number): Promise<void> {
    const end = Date.now() + 30_000;
    for (;;) {
      const idle = this.#inFlight === 0 && Date.now() - this.#lastArrival >= quietMs;
      if (idle || Date.now() > end) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  #entry(route: RouteEntry): OperationEntry<BackendService> {
    return {
      route: route.route,
      code: 0,
      oneway: false,
      invoke: (_self, body, ctx) => this.#run(route, body, ctx),
    };
  }

  #sessionOf(ctx: CallContext): RemoteSession {
    const bytes = ctx instanceof IncomingCall ? ctx.session : undefined;
    if (!bytes) throw new RpcError('bad_payload', `${ctx.route}: forwarded call without a session`);
    const text = utf8Decode(bytes);
    const seen = this.#memo.get(text);
    if (seen && this.#sessions.get(seen.id) === seen) return seen;
    const snap = decodeSnapshot(text);
    const fid = snap.frontendId;
    if (!this.#incarnations.has(fid)) this.#incarnations.set(fid, snap.incarnation);
    else if (this.#incarnations.get(fid) !== snap.incarnation) {
      this.#incarnations.set(fid, snap.incarnation);
      this.#hooks.restarted(fid);
    }
    let s = this.#sessions.get(snap.id) ?? (snap.movedFrom === undefined ? undefined : this.sessionMoved(snap.movedFrom, snap.id, fid, snap.incarnation));
    // A restarted gateway hands out its old ids again: a copy from its previous process is not this session.
    if (s && s.incarnation !== snap.incarnation) {
      this.closeCopy(s, CopyCloseReason.gatewayRestarted);
      s = undefined;
    }
    if (s) s.sync(snap);
    else this.#sessions.set(snap.id, (s = new RemoteSession(snap, this.#host)));
    this.#memo.remember(text, s);
    return s;
  }

  #run(route: RouteEntry, body: Uint8Array, ctx: CallContext): Uint8Array | Promise<Uint8Array> {
    const session = this.#sessionOf(ctx);
    const oneway = ctx instanceof IncomingCall && ctx.id === 0;
    this.#lastArrival = Date.now();
    const listed = this.#hooks.untilListed(session.frontendId);
    if (!listed) return this.#serve(route, body, session, oneway);
    this.#inFlight++;
    return listed.then(() => this.#serve(route, body, session, oneway)).finally(() => this.#inFlight--);
  }

  #serve(route: RouteEntry, body: Uint8Array, session: RemoteSession, oneway: boolean): Uint8Array | Promise<Uint8Array> {
    const message = { type: oneway ? MessageType.Notify : MessageType.Request, id: 0, route: route.route, body };
    if (oneway) {
      this.#submit(new HandlerCall(session, message, route, this.#logger, NO_REPLY));
      return EMPTY_BYTES;
    }
    const sink = new ForwardedReply(session);
    this.#submit(new HandlerCall(session, message, route, this.#logger, sink));
    const answer = sink.result();
    // Only an answer still awaited is in flight (drain never looks in the middle of this call).
    if (!(answer instanceof Promise)) return this.#afterPushes(session.frontendId, answer);
    this.#inFlight++;
    return answer.then((bytes) => this.#afterPushes(session.frontendId, bytes)).finally(() => this.#inFlight--);
  }

  /** The answer, once what the handler sent the gateway has left (at once, unless its link is still opening). */
  #afterPushes(frontendId: string, answer: Uint8Array): Uint8Array | Promise<Uint8Array> {
    const sending = this.#hooks.untilSent(frontendId);
    return sending === undefined ? answer : sending.then(() => answer);
  }

  #submit(call: HandlerCall): void {
    this.#scheduler.submit(call.queueKey(), call);
  }
}
