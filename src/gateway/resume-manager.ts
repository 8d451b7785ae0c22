import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { CloseReason, ConnState, type ClientConnection } from './client-connection.js';
import type { Group } from './group.js';
import type { ResolvedGatewayOptions, ResolvedResume } from './options.js';
import { ReplayBuffer } from './replay-buffer.js';
import { ResumeState } from './resume-state.js';
import type { ResumableState, ResumeAnswer, ResumeRequest, ResumeStore } from './resume-store.js';
import type { Session, SessionLink } from './session.js';

/** What the resume manager needs from its gateway. */
export interface ResumeHost {
  readonly options: ResolvedGatewayOptions;
  readonly logger: Logger;
  /**
   * Ends a session for good: close hooks, groups, registry (the gateway's normal close). `moved`:
   * it lives on at another gateway (handed over), so the cluster is not told it closed.
   */
  endSession(session: Session, reason: string, moved?: boolean): void;
  /** Forgets a connection's fresh session that a resumed one replaces (it was never used). */
  discardSession(session: Session): void;
  /** A session was restored from the shared store (saved by another gateway or process) as `session`. */
  sessionRestored(session: Session, kept: ResumableState): void;
  group(name: string): Group;
}

/** A 128-bit random token, base64url (22 characters). */
function newToken(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Resumable sessions on one gateway: tokens, sessions parked while their client is away, handing
 * a session to the connection that comes back with its token, and keeping the shared store (if
 * any) up to date. Timing runs from the gateway's single sweeper ({@link sweep}); no timer per session.
 */
export class ResumeManager {
  readonly #options: ResolvedResume;
  readonly #host: ResumeHost;
  readonly #store: ResumeStore | undefined;
  readonly #byToken = new Map<string, Session>();
  /** Parked sessions → deadline (epoch ms). One grace period for all, so oldest first is soonest first. */
  readonly #parked = new Map<Session, number>();
  /** Sessions whose state changed since the last sweep (saved to the store then: a debounce). */
  readonly #dirty = new Set<Session>();
  /** Sessions in the store → when their expiry is next pushed back, soonest first. */
  readonly #saved = new Map<Session, number>();
  #closing = false;
  #storeFailing = false;
  /** Sessions handed over by a stopping gateway, until another gateway takes them or the wait ends. */
  readonly #handedOver = new Map<Session, Handover>();
  #flushQueued = false;
  #handoverDone: (() => void) | undefined;

  constructor(options: ResolvedResume, host: ResumeHost, store: ResumeStore | undefined) {
    this.#options = options;
    this.#host = host;
    this.#store = store;
  }

  /** Sessions waiting for their client now. */
  get parkedCount(): number {
    return this.#parked.size;
  }

  /** Makes the connection's session resumable with a new token; `expired` when the client asked with a token we do not know. */
  enable(conn: ClientConnection, expired: boolean): ResumeAnswer {
    const session = conn.session;
    const changed = this.#store ? () => this.#markDirty(session) : () => {};
    const state = new ResumeState(newToken(), new ReplayBuffer(this.#options.replayLimit, this.#options.replayBytes), changed);
    state.connection = conn;
    session.enableResume(state);
    this.#byToken.set(state.token, session);
    changed();
    const answer: ResumeAnswer = { token: state.token, sessionId: session.id, seq: 0 };
    return expired ? { ...answer, ok: false, reason: 'expired' } : answer;
  }

  /**
   * Hands the session of `req.token`, if this gateway holds it, to `conn` (attached at its ack).
   * A connection it is still on (the client saw the drop before we did) is dropped. Undefined
   * when the token is not ours.
   */
  claim(conn: ClientConnection, req: ResumeRequest): ResumeAnswer | undefined {
    const session = this.#byToken.get(req.token);
    const state = session?.resume;
    if (!session || !state || session.closed) return undefined;
    this.#parked.delete(session);
    const previous = state.connection;
    if (previous) {
      this.#detach(session, state);
      previous.destroy(CloseReason.resumedElsewhere);
    }
    state.claimant = conn;
    this.#rekey(session, state);
    const ok = state.replay.after(req.lastSeq) !== undefined;
    const seq = ok ? req.lastSeq : state.replay.lastSeq;
    this.#host.discardSession(conn.session);
    conn.adopt(session, seq);
    const answer: ResumeAnswer = { token: state.token, sessionId: session.id, seq };
    return ok ? { ...answer, ok: true } : { ...answer, ok: false, reason: 'resync' };
  }

  /**
   * Restores a session kept in the shared store (its gateway died) into the connection's fresh
   * session: uid, data, groups, a new token. Its pushes are lost, so the answer says `resync`.
   */
  async restore(conn: ClientConnection, req: ResumeRequest): Promise<ResumeAnswer | undefined> {
    const store = this.#store;
    if (!store || req.token === '') return undefined;
    let kept: ResumableState | undefined;
    try {
      kept = await store.take(req.token);
    } catch (err) {
      this.#host.logger.warn({ err }, 'resume store unreachable; the client gets a new session');
      return undefined;
    }
    if (!kept) return undefined;
    if (conn.state !== ConnState.Authenticating) {
      this.#track(store.save(req.token, kept, 2 * this.#options.graceMs)); // the client left meanwhile: keep it for its next try
      return undefined;
    }
    const answer = this.enable(conn, false);
    const session = conn.session;
    const state = session.resume!;
    // A handed-over session carries its push numbering and the pushes its client has not had.
    let whole = false;
    if (kept.seq !== undefined) {
      const pushes = kept.pushes ?? [];
      state.replay.startAt(kept.seq - pushes.length);
      for (const p of pushes) state.replay.add(p);
      whole = state.replay.after(req.lastSeq) !== undefined;
      if (whole) {
        // Like a claim: nothing reaches the connection before its ack, then the replay, then the rest.
        this.#detach(session, state);
        state.claimant = conn;
        conn.adopt(session, req.lastSeq);
      }
    }
    try {
      for (const [key, value] of Object.entries(kept.data)) session.set(key, value);
      if (kept.uid !== undefined) session.bind(kept.uid);
      for (const name of kept.groups) this.#host.group(name).add(session);
    } catch (err) {
      this.#host.logger.warn({ err, session: session.id }, 'restoring a resumable session failed');
    }
    this.#host.sessionRestored(session, kept);
    if (whole) return { ...answer, seq: req.lastSeq, ok: true };
    return { ...answer, seq: state.replay.lastSeq, ok: false, reason: 'resync' };
  }

  /**
   * At the claimant's handshake-ack: puts the session on `conn` and sends the pushes after `from`.
   * False when it cannot (the session closed, another connection claimed it, or the pushes are gone).
   */
  attach(conn: ClientConnection, from: number): boolean {
    const session = conn.session;
    const state = session.resume;
    if (!state || state.claimant !== conn || session.closed) return false;
    const missed = state.replay.after(from);
    if (!missed) return false;
    state.claimant = undefined;
    state.connection = conn;
    session.attach(conn, conn.remoteAddress);
    for (const packet of missed) conn.send(packet);
    return true;
  }

  /** Parks a session whose connection dropped, for graceMs; false when it must close instead. */
  park(session: Session): boolean {
    const state = session.resume;
    if (!state || this.#closing || session.closed) return false;
    this.#detach(session, state);
    this.#parked.delete(session);
    this.#parked.set(session, Date.now() + this.#options.graceMs);
    if (this.#parked.size > this.#options.maxParked) {
      const oldest = this.#parked.keys().next().value!;
      this.#host.endSession(oldest, CloseReason.resumeEvicted);
    }
    return true;
  }

  /** A connection that claimed `session` closed before its ack: the session waits again (or closes). */
  released(conn: ClientConnection, session: Session, reason: string): void {
    const state = session.resume;
    if (!state || state.claimant !== conn) return;
    state.claimant = undefined;
    if (!session.closed && !this.park(session)) this.#host.endSession(session, reason);
  }

  /** A resumable session ended: forget its token, and drop it from the store. */
  ended(session: Session): void {
    const state = session.resume;
    if (!state) return;
    this.#byToken.delete(state.token);
    this.#parked.delete(session);
    this.#dirty.delete(session);
    if (this.#saved.delete(session)) this.#track(this.#store!.drop(state.token));
  }

  /** Called by the sweeper: closes sessions whose grace ran out, saves changed ones, refreshes expiries due. */
  sweep(now: number): void {
    for (const [session, deadline] of this.#parked) {
      if (deadline > now) break;
      this.#host.endSession(session, CloseReason.resumeTimeout);
    }
    if (this.#store) this.#sync(this.#store, now);
  }

  /** Closes every parked session (the gateway is stopping) and parks no more. */
  closeAll(reason: string): void {
    this.#closing = true;
    for (const session of [...this.#parked.keys()]) this.#host.endSession(session, reason);
  }

  /** Whether sessions can be handed to another gateway when this one stops (there is a shared store). */
  get canHandOver(): boolean {
    return this.#store !== undefined;
  }

  /**
   * The gateway is stopping gracefully: every resumable session (on a connection, parked, or being
   * claimed) is detached from its connection, so later pushes go only to its replay buffer, and
   * saved to the shared store with its push number — all saved before this resolves, so before
   * any socket is closed. Until {@link finishHandover}, each change (a push, new data) is written
   * to the store again, while the token is still there. Parks no more. Resolves with the
   * connections whose session was handed over: they get the reconnect kick; a session whose save
   * failed is ended (its client gets the ordinary shutdown kick).
   */
  async handOver(reason: string, sessions: Iterable<Session>): Promise<Set<ClientConnection>> {
    this.#closing = true;
    const store = this.#store!;
    const kicked = new Set<ClientConnection>();
    const saves: Promise<void>[] = [];
    for (const session of sessions) {
      const state = session.resume;
      if (!state || session.closed || this.#handedOver.has(session)) continue;
      const conn = state.connection ?? state.claimant;
      // A parked client may lack anything the buffer holds; a connected one has had all sent so far.
      const base = state.connection ? state.replay.lastSeq : state.replay.lastSeq - state.replay.size;
      this.#parked.delete(session);
      this.#saved.delete(session); // kept in the store when it ends here: another gateway takes it
      this.#dirty.delete(session);
      state.claimant = undefined;
      state.connection = undefined;
      session.attach(new HandoverLink(session, this, this.#host));
      const handover: Handover = { base, written: -1 };
      this.#handedOver.set(session, handover);
      if (conn) kicked.add(conn);
      const snapshot = this.#handoverState(session, handover);
      saves.push(
        store.save(state.token, snapshot, 2 * this.#options.graceMs).then(
          () => void (handover.written = Math.max(handover.written, snapshot.seq!)),
          (err: unknown) => {
            this.#host.logger.warn({ err, session: session.id }, 'handing a session over failed; it ends here');
            this.#handedOver.delete(session);
            if (conn) kicked.delete(conn);
            this.#host.endSession(session, reason);
          },
        ),
      );
    }
    await Promise.all(saves);
    return kicked;
  }

  /**
   * Waits until another gateway has taken every handed-over session, or `handoverMs`; then ends
   * those left here without dropping them from the store (their clients may still come for them),
   * and says how many they were.
   * Meanwhile, with a store that can update only what is still there, each is written again every
   * quarter of `handoverMs` (at most 250 ms): that is how a take is noticed when no push comes.
   */
  async finishHandover(): Promise<number> {
    if (this.#handedOver.size > 0) {
      const { handoverMs } = this.#options;
      const polling = this.#store?.update !== undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, handoverMs);
        const poll =
          polling &&
          setInterval(() => {
            for (const session of this.#handedOver.keys()) this.#dirty.add(session);
            this.#flushHandover();
          }, Math.max(10, Math.min(250, handoverMs / 4)));
        function done(): void {
          clearTimeout(timer);
          if (poll) clearInterval(poll);
          resolve();
        }
        this.#handoverDone = done;
      });
      this.#handoverDone = undefined;
      await this.#flushHandover(); // what came in since the last write goes to the store with them
    }
    const left = [...this.#handedOver.keys()];
    for (const session of left) this.#moved(session, CloseReason.shutdown);
    return left.length;
  }

  /** A handed-over session got a push or changed: written to the store again at the next turn. */
  handoverChanged(session: Session): void {
    this.#markDirty(session);
  }

  /**
   * A handed-over session was kicked: if its snapshot is still in the store, nobody took it and this
   * is a real end (a login elsewhere), so it ends here and the snapshot goes; if another gateway took
   * it, the kick came from the session living on there (binding its user again), so it just leaves.
   */
  handoverKicked(session: Session, reason: string): void {
    const state = session.resume;
    const handover = this.#handedOver.get(session);
    if (!state || !handover) return;
    this.#handedOver.delete(session);
    this.#store!.take(state.token).then(
      (kept) => (kept ? this.#host.endSession(session, reason) : this.#taken(session, handover)),
      () => this.#taken(session, handover),
    );
    this.#checkHandoverDone();
  }

  #markDirty(session: Session): void {
    this.#dirty.add(session);
    if (this.#handedOver.size === 0 || this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => this.#flushHandover());
  }

  /**
   * Writes the changed handed-over sessions to the store, each only while its token is still there
   * (a store without `update` overwrites). Resolves when the writes are answered.
   */
  #flushHandover(): Promise<void> {
    this.#flushQueued = false;
    const writes: Promise<void>[] = [];
    for (const [session, handover] of this.#handedOver) {
      if (this.#dirty.delete(session)) writes.push(this.#writeHandover(session, handover));
    }
    return Promise.all(writes).then(() => {});
  }

  async #writeHandover(session: Session, handover: Handover): Promise<void> {
    const store = this.#store!;
    const token = session.resume!.token;
    const snapshot = this.#handoverState(session, handover);
    const ttl = 2 * this.#options.graceMs;
    try {
      const present = store.update ? await store.update(token, snapshot, ttl) : (await store.save(token, snapshot, ttl), true);
      if (present) handover.written = Math.max(handover.written, snapshot.seq!);
      else if (this.#handedOver.delete(session)) {
        this.#taken(session, handover);
        this.#checkHandoverDone();
      }
    } catch (err) {
      this.#host.logger.warn({ err, session: session.id }, 'updating a handed-over session failed');
    }
  }

  /** The snapshot of a handed-over session: its state, its push number, the pushes after its base. */
  #handoverState(session: Session, handover: Handover): ResumableState {
    const state = session.resume!;
    const pushes = state.replay.after(handover.base) ?? state.replay.after(state.replay.lastSeq - state.replay.size) ?? [];
    return { sessionId: session.id, uid: session.uid, data: session.data(), groups: [...state.groups], seq: state.replay.lastSeq, pushes };
  }

  /**
   * Another gateway took a handed-over session: it leaves here. Pushes that reached this gateway
   * after its last write to the store were not in what was taken; they are lost, and logged.
   */
  #taken(session: Session, handover: Handover): void {
    const lost = session.resume!.replay.lastSeq - handover.written;
    if (handover.written >= 0 && lost > 0) {
      this.#host.logger.warn({ session: session.id, pushes: lost }, 'pushes reached a handed-over session after another gateway took it; they are lost');
    }
    this.#host.endSession(session, CloseReason.resumedElsewhere, true);
  }

  /** A handed-over session leaves this gateway: it lives on in the store or at another gateway. */
  #moved(session: Session, reason: string): void {
    this.#handedOver.delete(session);
    this.#host.endSession(session, reason, true);
    this.#checkHandoverDone();
  }

  #checkHandoverDone(): void {
    if (this.#handedOver.size === 0) this.#handoverDone?.();
  }

  /**
   * Saves the sessions changed since the last sweep and pushes back the expiry of those saved a
   * grace period ago. An entry lives 2 × graceMs and is refreshed every graceMs, so after a
   * gateway dies its clients have between one and two grace periods to resume elsewhere.
   */
  #sync(store: ResumeStore, now: number): void {
    const { graceMs } = this.#options;
    for (const session of this.#dirty) {
      const state = session.resume!;
      this.#saved.delete(session);
      this.#saved.set(session, now + graceMs);
      this.#track(store.save(state.token, { sessionId: session.id, uid: session.uid, data: session.data(), groups: [...state.groups] }, 2 * graceMs));
    }
    this.#dirty.clear();
    let due: string[] | undefined;
    for (const [session, at] of this.#saved) {
      if (at > now) break;
      (due ??= []).push(session.resume!.token);
      this.#saved.delete(session);
      this.#saved.set(session, now + graceMs);
    }
    if (due) this.#track(store.refresh(due, 2 * graceMs));
  }

  #detach(session: Session, state: ResumeState): void {
    state.connection = undefined;
    session.attach(new ParkedLink(session, this.#host));
  }

  /** A new token on each resume: one seen on the wire once cannot be used again. */
  #rekey(session: Session, state: ResumeState): void {
    this.#byToken.delete(state.token);
    if (this.#saved.delete(session)) this.#track(this.#store!.drop(state.token));
    state.token = newToken();
    this.#byToken.set(state.token, session);
    state.changed();
  }

  /** Logs store failures once per outage rather than on every sweep. */
  #track(call: Promise<void>): void {
    call.then(
      () => {
        if (this.#storeFailing) this.#host.logger.info('resume store reachable again');
        this.#storeFailing = false;
      },
      (err: unknown) => {
        if (!this.#storeFailing) this.#host.logger.warn({ err }, 'resume store call failed; other gateways may not restore these sessions');
        this.#storeFailing = true;
      },
    );
  }
}

/** A handed-over session's bookkeeping. */
interface Handover {
  /** Number of the last push its client had when it was handed over (later ones go into the store). */
  readonly base: number;
  /** Number of the last push in the newest snapshot the store accepted; -1 before the first. */
  written: number;
}

/**
 * What a handed-over session sends through while this gateway stops: like a parked session, pushes
 * go only to the replay buffer, but each one (and any change) is written to the store again, and a
 * kick asks the manager whether another gateway took the session.
 */
class HandoverLink implements SessionLink {
  readonly errorFlag = false;
  readonly open = false;
  readonly #session: Session;
  readonly #manager: ResumeManager;
  readonly #host: ResumeHost;

  constructor(session: Session, manager: ResumeManager, host: ResumeHost) {
    this.#session = session;
    this.#manager = manager;
    this.#host = host;
  }

  send(): boolean {
    this.#manager.handoverChanged(this.#session);
    return false;
  }

  kick(reason: string): void {
    this.#manager.handoverKicked(this.#session, reason);
  }

  routeCode(route: string): number | undefined {
    return this.#host.options.dictionary.codeOf(route);
  }

  countPush(route: string): void {
    this.#host.options.observer?.messageOut(route, 1);
  }
}

/**
 * What a parked session sends through while its client is away: pushes are kept by the replay
 * buffer (so `send` has nothing to do), responses are dropped, and a kick ends the session.
 */
class ParkedLink implements SessionLink {
  readonly errorFlag = false;
  readonly open = false;
  readonly #session: Session;
  readonly #host: ResumeHost;

  constructor(session: Session, host: ResumeHost) {
    this.#session = session;
    this.#host = host;
  }

  send(): boolean {
    return false;
  }

  kick(reason: string): void {
    this.#host.endSession(this.#session, reason);
  }

  routeCode(route: string): number | undefined {
    return this.#host.options.dictionary.codeOf(route);
  }

  countPush(route: string): void {
    this.#host.options.observer?.messageOut(route, 1);
  }
}
