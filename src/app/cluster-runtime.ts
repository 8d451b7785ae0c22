import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { decodeFramedJson, encodeFramedJson } from '../cluster/framed-json.js';
import type { ServerInfo } from '../cluster/server-info.js';
import type { ClientSession, Gateway, GatewayHooks, Session, SessionGroup } from '../gateway/index.js';
import { Adapter, RpcError, type Invoker, type OperationRef } from '../rpc/index.js';
import { BackendService } from './backend-service.js';
import { BindingRefresher, gatewayBoundSessions } from './binding-refresher.js';
import { ClusterGroup } from './cluster-group.js';
import type { ClusterOptions } from './cluster-options.js';
import { CopyReconciler, decodeAliveAnswer, type AliveAnswer, type CopyReconcilerHost } from './copy-reconciler.js';
import type { HandlerRegistry } from './handler-registry.js';
import { LeavingServers } from './leaving-servers.js';
import { ListingWaits } from './listing-waits.js';
import { PendingSystemMessages } from './pending-system-messages.js';
import { registryResumeStore } from './registry-resume-store.js';
import { RemoteSession, type RemoteSessionHost } from './remote-session.js';
import { ServerPicker } from './server-picker.js';
import { SessionMoves } from './session-moves.js';
import { hash32 } from '../cluster/rendezvous.js';
import type { Scheduler } from './scheduler.js';
import { systemEntries, type SystemTarget } from './system-entries.js';
import { frontendOf, SystemOps } from './system-ops.js';
import { EMPTY_BYTES } from '../wire/bytes.js';

/** System calls from one server to another go on one pooled connection so they keep their order. */
const SYSTEM_KEY = 0;

/**
 * One server's part in a cluster: serves the internal system operations and the application's
 * handler routes to other servers, finds servers through discovery, forwards, pushes and
 * broadcasts across gateways, and leaves gracefully.
 */
export class ClusterRuntime implements RemoteSessionHost {
  readonly self: ServerInfo;
  /** This process, as opposed to earlier ones of the same server id: session ids repeat after a gateway restarts. */
  readonly incarnation = randomUUID();
  readonly #options: ClusterOptions;
  readonly #logger: Logger;
  readonly #backend: BackendService;
  readonly #reconciler: CopyReconciler;
  /** System messages to servers not (yet) in the membership, sent once discovery lists them. */
  readonly #pending: PendingSystemMessages;
  /** Calls from gateways not listed yet, waiting so their answers do not overtake what they pushed. */
  readonly #listing: ListingWaits;
  readonly #groups = new Map<string, ClusterGroup>();
  /** Servers that announced they leave: not picked, their connections kept while calls may be in flight. */
  readonly #leaving = new LeavingServers({
    isMember: (id) => this.#byId.has(id),
    forget: (id) => this.#options.transport.forget(id),
    graceMs: () => this.callTimeoutMs,
  });
  /** Chooses the server each forwarded route goes to. */
  readonly #picker: ServerPicker;
  /** Backends each local session was forwarded to: they are told when it closes. */
  readonly #servedBy = new Map<string, Set<string>>();
  /** Sessions resumed here from another gateway or process, under their old ids. */
  readonly #moves = new SessionMoves({
    self: () => ({ id: this.self.id, incarnation: this.incarnation }),
    servedBy: (sid, id) => this.servedBy(sid, id),
    send: (id, op, args) => this.#toServer(id, op, args),
    call: (id, op, args, timeoutMs) => {
      const server = this.#byId.get(id);
      if (!server?.frontend || id === this.self.id) return undefined;
      return this.#options.transport.invoker(server, SYSTEM_KEY).call(op, args, { timeoutMs: Math.min(timeoutMs, this.callTimeoutMs) });
    },
    releaseParked: (token) => this.#gateway?.resume?.release(token),
    takeServedBy: (sid) => {
      const served = this.#servedList(sid);
      this.#servedBy.delete(sid);
      return served;
    },
  });
  #byId = new Map<string, ServerInfo>();
  #unsubscribe: (() => void) | undefined;
  #gateway: Gateway | undefined;
  /** Keeps this gateway's user bindings from expiring in the registry. */
  #bindingRefresher: BindingRefresher | undefined;

  constructor(options: ClusterOptions, registry: HandlerRegistry, scheduler: Scheduler, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    // Internal routes are offered to no client, so their services are not advertised for forwarding.
    const clientRoutes = [...registry.routes.values()].filter((e) => !e.internal).map((e) => e.route);
    const services = options.self.services ?? [...new Set(clientRoutes.map((r) => r.split('.')[0]!))];
    this.self = { ...options.self, services };
    this.#picker = new ServerPicker({ members: () => this.#byId, leaving: (id) => this.#leaving.has(id) }, options);
    this.#backend = new BackendService(registry, scheduler, logger, this, {
      restarted: (id) => this.#reconciler.check(id),
      // A gateway that announced it leaves is known: waiting for it to be listed again would only stall its drain.
      untilListed: (id) => this.#listing.until(id, this.#byId.has(id) || this.#leaving.has(id)),
      untilSent: (id) => {
        const server = this.#byId.get(id);
        return server === undefined ? undefined : this.#options.transport.whenSent?.(server, SYSTEM_KEY);
      },
    });
    const backend = this.#backend;
    const host: CopyReconcilerHost = {
      copiesOf: (id) => backend.copiesOf(id),
      frontendsWithCopies: () => backend.frontendsWithCopies(),
      closeCopy: (copy, reason) => backend.closeCopy(copy, reason),
      member: (id) => this.#byId.get(id),
      askAlive: (server, sids) => this.#askAlive(server, sids),
    };
    this.#reconciler = new CopyReconciler(host, logger, options.sessionCopies);
    this.#pending = new PendingSystemMessages(
      {
        send: (server, op, args) => this.#sendSystem(server, op, args),
        dropped: (reason, count) => options.metrics?.systemMessagesDropped(reason, count),
      },
      logger,
      options.systemMessages,
    );
    this.#listing = new ListingWaits(
      this.#pending.holdMs,
      async (id) => {
        const server = this.#byId.get(id);
        if (server) await this.#askAlive(server, []);
      },
      logger,
    );
  }

  /** Deadline of forwarded requests, in ms. */
  get callTimeoutMs(): number {
    return this.#options.callTimeoutMs ?? 10_000;
  }

  /** Starts serving other servers and registers in discovery; `gateway` is this server's, if a frontend. */
  async start(gateway: Gateway | undefined): Promise<void> {
    this.#gateway = gateway;
    const port = await this.#options.transport.listen(this.self, this.#adapter());
    (this as { self: ServerInfo }).self = { ...this.self, port: this.self.port || port };
    this.#options.registry?.onRestored?.(() => this.#rebindUsers());
    this.#bindingRefresher = gateway && BindingRefresher.for(this.#options.registry, { frontendId: () => this.self.id, boundSessions: () => gatewayBoundSessions(gateway) }, this.#logger);
    this.#bindingRefresher?.start();
    this.#unsubscribe = this.#options.discovery.subscribe((members) => this.#onMembership(members));
    await this.#options.discovery.start(this.self);
    this.#onMembership(this.#options.discovery.members());
    this.#reconciler.start();
  }

  /**
   * Hooks a frontend's gateway calls: user bindings go to the registry, closes to the backends,
   * and resumable sessions are kept in the registry so another gateway can restore them.
   */
  gatewayHooks(): GatewayHooks {
    return {
      sessionBound: (s, uid) => void this.#registerUser(s, uid),
      sessionClosed: (s, reason) => this.#sessionClosed(s, reason),
      sessionRestored: (s, kept) => this.#moves.restored(s, kept),
      resumeStore: registryResumeStore(
        this.#options.registry,
        (sid) => this.#servedList(sid),
        (sid, token) =>
          this.#moves.claim(sid, token).catch((err: unknown) => {
            this.#logger.warn({ err, session: sid }, 'the gateway holding a resumed session did not give it up; the client resyncs');
            return undefined;
          }),
      ),
    };
  }

  /**
   * Leaves: tells every server to stop routing here, deregisters, keeps serving what is in flight
   * for the drain period, then closes the transport.
   */
  async stop(): Promise<void> {
    // Wait (briefly) until every server has heard it, so none drops this one's connections when its
    // lease goes before it knows the calls on them are being drained.
    const note = encodeFramedJson({ id: this.self.id }, EMPTY_BYTES);
    const told = [...this.#byId.values()]
      .filter((m) => m.id !== this.self.id)
      .map((m) => this.#options.transport.invoker(m, SYSTEM_KEY).call(SystemOps.leaving, note, { timeoutMs: 1000 }).catch(() => undefined));
    await Promise.all(told);
    this.#reconciler.stop();
    this.#leaving.stop();
    await this.#options.discovery.stop().catch((err: unknown) => this.logError(err, 'discovery stop failed'));
    await this.#backend.drain(this.#options.drainMs ?? 500);
    this.#pending.stop();
    this.#listing.stop();
    this.#unsubscribe?.();
    await this.#options.transport.close();
    await this.#bindingRefresher?.stop();
    await this.#options.registry?.close();
  }

  #onMembership(members: readonly ServerInfo[]): void {
    const next = new Map(members.map((m) => [m.id, m]));
    const before = this.#byId;
    for (const [id, info] of before) {
      if (next.has(id)) continue;
      this.#leaving.gone(id);
      if (info.frontend) this.#reconciler.gatewayLeft(id);
    }
    for (const id of next.keys()) this.#leaving.listed(id);
    this.#byId = next;
    this.#picker.invalidate();
    // What waited for a server now listed goes first, before anything newer is sent to it.
    this.#pending.release(next.values(), (m) => m.frontend && m.id !== this.self.id);
    this.#listing.listed(next.keys());
    for (const m of next.values()) {
      const prev = before.get(m.id);
      if (m.id !== this.self.id && (prev?.host !== m.host || prev.port !== m.port)) this.#appeared(m, before.size > 0);
    }
  }

  /**
   * A server joined, came back or moved. Its sessions may have closed while this backend could not
   * be told (or it was restarted): the copies held of them are checked. And if this is a gateway,
   * a server that joins after it may have missed close notices from it while away: it is told to
   * check. (Not the servers found at start: in static discovery they may not be up yet.)
   */
  #appeared(m: ServerInfo, afterStart: boolean): void {
    if (m.frontend) this.#reconciler.gatewayBack(m.id);
    if (this.#gateway && afterStart) this.#sendSystem(m, SystemOps.recheck, encodeFramedJson({ id: this.self.id }, EMPTY_BYTES));
  }

  async #askAlive(server: ServerInfo, sids: readonly string[]): Promise<AliveAnswer> {
    const invoker = this.#options.transport.invoker(server, SYSTEM_KEY);
    const reply = await invoker.call(SystemOps.alive, encodeFramedJson({ sids }, EMPTY_BYTES), { timeoutMs: this.callTimeoutMs });
    return decodeAliveAnswer(decodeFramedJson(reply).header);
  }

  /** The server for a forwarded route, or an RpcError saying why none (see {@link ServerPicker}). */
  pick(route: string, session: ClientSession, routeCode = 0): ServerInfo | RpcError {
    return this.#picker.pick(route, session, routeCode);
  }

  /** An invoker to `server` on the connection `sessionId` hashes to (one session stays in order). */
  invoker(server: ServerInfo, sessionId: string): Invoker {
    return this.#options.transport.invoker(server, hash32(sessionId));
  }

  /** Remembers that a local session was forwarded to `serverId`, to tell it when the session closes. */
  servedBy(sessionId: string, serverId: string): void {
    let set = this.#servedBy.get(sessionId);
    if (!set) this.#servedBy.set(sessionId, (set = new Set()));
    if (set.has(serverId)) return;
    set.add(serverId);
    this.#gateway?.session(sessionId)?.resume?.changed(); // the resume snapshot lists the servers with copies
  }

  /** The servers holding copies of local session `sessionId`. */
  #servedList(sessionId: string): string[] {
    return [...(this.#servedBy.get(sessionId) ?? [])];
  }

  /** The id a local session had before it was resumed here from elsewhere, if it was. */
  movedFrom(sessionId: string): string | undefined {
    return this.#moves.movedFrom(sessionId);
  }

  /** A cluster-wide group (membership held by the gateways). */
  group(name: string): SessionGroup {
    let g = this.#groups.get(name);
    if (!g) this.#groups.set(name, (g = new ClusterGroup(name, this)));
    return g;
  }

  /** Pushes to a session wherever it is held. */
  pushToSession(sid: string, route: string, body: Uint8Array): void {
    this.pushToSessions(frontendOf(sid), [sid], route, body);
  }

  /** Pushes to a user's session through the registry; false when the user is not connected. */
  async pushToUser(uid: string, route: string, body: Uint8Array): Promise<boolean> {
    const registry = this.#options.registry;
    if (!registry) throw new RpcError('unavailable', 'pushToUser needs a session registry (cluster.registry)');
    const loc = await registry.lookup(uid);
    if (!loc) return false;
    this.pushToSessions(loc.frontendId, [loc.sessionId], route, body);
    return true;
  }

  pushToSessions(frontendId: string, sids: readonly string[], route: string, body: Uint8Array): void {
    if (frontendId === this.self.id && this.#gateway) {
      this.#gateway.pushToSessions(sids, route, body);
      return;
    }
    this.#toServer(frontendId, SystemOps.push, encodeFramedJson({ sids, route }, body));
  }

  kick(sid: string, reason: string): void {
    const fid = frontendOf(sid);
    if (fid === this.self.id && this.#gateway) this.#gateway.session(sid)?.kick(reason);
    else this.#toServer(fid, SystemOps.kick, encodeFramedJson({ sid, reason }, EMPTY_BYTES));
  }

  sendUpdate(session: RemoteSession): void {
    const update = session.takeUpdate();
    if (update) this.#toServer(session.frontendId, SystemOps.update, encodeFramedJson({ sid: session.id, update }, EMPTY_BYTES));
  }

  groupOp(frontendId: string, op: 'add' | 'remove', group: string, sid: string): void {
    if (frontendId === this.self.id && this.#gateway) this.#applyGroupOp(op, group, sid);
    else this.#toServer(frontendId, SystemOps.group, encodeFramedJson({ op, group, sid }, EMPTY_BYTES));
  }

  groupcast(group: string, route: string, body: Uint8Array, exceptSid: string | undefined): void {
    let args: Uint8Array | undefined; // encoded once, for every other gateway
    const encoded = (): Uint8Array => (args ??= encodeFramedJson({ group, route, except: exceptSid }, body));
    for (const m of this.#byId.values()) {
      if (!m.frontend) continue;
      if (m.id === this.self.id && this.#gateway) this.#gateway.group(group).broadcastBytes(route, body, { except: exceptSid });
      else this.#sendSystem(m, SystemOps.groupcast, encoded());
    }
    // Gateways not listed yet (before the first membership, or known only from messages held for them).
    if (this.#pending.holdsBroadcasts) this.#pending.holdForGateways(SystemOps.groupcast, encoded());
  }

  logError(err: unknown, what: string): void {
    this.#logger.error({ err }, what);
  }

  /**
   * A server not in the membership (a backend just started that has not loaded it yet, a gateway
   * whose lease lapsed) gets its messages held, in order, until discovery lists it or they expire.
   */
  #toServer(id: string, op: OperationRef, args: Uint8Array): void {
    const server = this.#byId.get(id);
    if (!server) {
      this.#pending.hold(id, op, args, op.route.startsWith('__yard.gw.'));
      return;
    }
    this.#sendSystem(server, op, args);
  }

  #sendSystem(server: ServerInfo, op: OperationRef, args: Uint8Array): void {
    try {
      this.#options.transport.invoker(server, SYSTEM_KEY).send(op, args);
    } catch (err) {
      this.logError(err, `system message ${op.route} to ${server.id} failed`);
    }
  }

  async #registerUser(session: Session, uid: string): Promise<void> {
    const registry = this.#options.registry;
    if (!registry) return;
    try {
      const previous = await registry.bind(uid, { frontendId: this.self.id, sessionId: session.id });
      if (previous && previous.sessionId !== session.id && previous.frontendId !== this.self.id) {
        this.kick(previous.sessionId, 'logged in elsewhere');
      }
    } catch (err) {
      this.logError(err, 'session registry bind failed');
    }
  }

  /** The registry came back, maybe empty: binds this gateway's users again. */
  #rebindUsers(): void {
    if (!this.#gateway) return;
    let n = 0;
    for (const s of this.#gateway.sessions()) {
      if (s.uid === undefined) continue;
      n++;
      this.#options.registry!.bind(s.uid, { frontendId: this.self.id, sessionId: s.id }).catch((err: unknown) => this.logError(err, 'rebinding a user failed'));
    }
    this.#logger.info({ users: n }, 'session registry restored; users bound again');
  }

  #sessionClosed(session: Session, reason: string): void {
    const served = this.#servedBy.get(session.id);
    this.#servedBy.delete(session.id);
    this.#moves.closed(session.id);
    for (const id of served ?? []) this.#toServer(id, SystemOps.closed, encodeFramedJson({ sid: session.id, reason }, EMPTY_BYTES));
    if (session.uid !== undefined) {
      this.#options.registry?.unbind(session.uid, session.id).catch((err: unknown) => this.logError(err, 'session registry unbind failed'));
    }
  }

  #applyGroupOp(op: string, group: string, sid: string): void {
    const session = this.#gateway?.session(sid);
    if (session) this.#gateway!.group(group)[op === 'add' ? 'add' : 'remove'](session);
  }

  /** The internal operations plus the application's handler routes. */
  #adapter(): Adapter {
    const adapter = new Adapter({ name: `cluster-${this.self.id}` });
    const target: SystemTarget = {
      id: this.self.id,
      incarnation: this.incarnation,
      gateway: () => this.#gateway,
      applyGroupOp: (op, group, sid) => this.#applyGroupOp(op, group, sid),
      sessionClosed: (sid, reason) => this.#backend.sessionClosed(sid, reason),
      sessionMoved: (from, to, frontendId, incarnation) => void this.#backend.sessionMoved(from, to, frontendId, incarnation),
      recheck: (frontendId) => this.#reconciler.check(frontendId),
      releaseParked: (token) => this.#moves.release(token),
      leaving: (id) => {
        this.#leaving.announced(id);
        this.#picker.invalidate();
      },
    };
    adapter.add(target, systemEntries(target));
    this.#backend.addTo(adapter);
    return adapter;
  }
}
