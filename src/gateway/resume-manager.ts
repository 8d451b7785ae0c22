import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { CloseReason, ConnState, type ClientConnection } from './client-connection.js';
import { DetachedLink } from './detached-link.js';
import type { Group } from './group.js';
import type { ResolvedGatewayOptions, ResolvedResume } from './options.js';
import { ReplayBuffer } from './replay-buffer.js';
import { ResumeState, storedState, wholeState } from './resume-state.js';
import type { ResumableState, ResumeAnswer, ResumeRequest, ResumeStore } from './resume-store.js';
import type { Session } from './session.js';
import { SessionHandover } from './session-handover.js';

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
  /** Hands sessions to other gateways when this one stops; only with a shared store. */
  readonly #handover: SessionHandover | undefined;

  constructor(options: ResolvedResume, host: ResumeHost, store: ResumeStore | undefined) {
    this.#options = options;
    this.#host = host;
    this.#store = store;
    this.#handover = store && new SessionHandover(options, host, store);
  }

  /** Sessions waiting for their client now. */
  get parkedCount(): number {
    return this.#parked.size;
  }

  /** Makes the connection's session resumable with a new token; `expired` when the client asked with a token we do not know. */
  enable(conn: ClientConnection, expired: boolean): ResumeAnswer {
    const answer = this.#enable(conn);
    this.#newToken(conn.session);
    return expired ? { ...answer, ok: false, reason: 'expired' } : answer;
  }

  /** Gives the connection's session a token and a replay buffer; the caller stores it once it is complete. */
  #enable(conn: ClientConnection): ResumeAnswer {
    const session = conn.session;
    const changed = this.#store ? () => this.#markDirty(session) : () => {};
    const state = new ResumeState(newToken(), new ReplayBuffer(this.#options.replayLimit, this.#options.replayBytes), changed);
    state.connection = conn;
    session.enableResume(state);
    this.#byToken.set(state.token, session);
    return { token: state.token, sessionId: session.id, seq: 0 };
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
    this.#dropConnection(session, state);
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
   * Restores a session kept in the shared store into the connection's fresh session: uid, data,
   * groups, a new token. The answer says `resync` unless the store gave its pushes too (a session
   * handed over by a stopping gateway, or given up by a gateway that still held it).
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
    const answer = this.#enable(conn);
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
    this.#newToken(session); // stored once, with what was restored
    this.#host.sessionRestored(session, kept);
    if (whole) return { ...answer, seq: req.lastSeq, ok: true };
    return { ...answer, seq: state.replay.lastSeq, ok: false, reason: 'resync' };
  }

  /**
   * Another gateway (or worker) got the token of a session held here: the session leaves with its
   * push number and every push its buffer holds, for that gateway to resume it whole. A connection
   * it is still on (the client saw the drop before we did) is dropped, as in {@link claim}.
   * Undefined when it is not here (unknown, closed, or being claimed by a connection here).
   */
  release(token: string): ResumableState | undefined {
    const session = this.#byToken.get(token);
    const state = session?.resume;
    if (!session || !state || session.closed || state.claimant) return undefined;
    this.#dropConnection(session, state);
    const kept = wholeState(session, state);
    this.#saved.delete(session); // the other gateway took it from the store already
    this.#host.endSession(session, CloseReason.resumedElsewhere, true);
    return kept;
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
    return this.#handover !== undefined;
  }

  /**
   * The gateway is stopping gracefully: every resumable session (on a connection, parked, or being
   * claimed) is handed over (see {@link SessionHandover}), all saved before this resolves, so before
   * any socket is closed. Parks no more. Resolves with the connections whose session was handed
   * over: they get the reconnect kick; a session whose save failed is ended (its client gets the
   * ordinary shutdown kick).
   */
  async handOver(reason: string, sessions: Iterable<Session>): Promise<Set<ClientConnection>> {
    this.#closing = true;
    const handover = this.#handover!;
    const kicked = new Set<ClientConnection>();
    const saves: Promise<void>[] = [];
    for (const session of sessions) {
      const state = session.resume;
      if (!state || session.closed || handover.holds(session)) continue;
      const conn = state.connection ?? state.claimant;
      this.#parked.delete(session);
      this.#saved.delete(session); // kept in the store when it ends here: another gateway takes it
      this.#dirty.delete(session);
      state.claimant = undefined;
      saves.push(handover.add(session, reason).then((saved) => void (saved && conn && kicked.add(conn))));
    }
    await Promise.all(saves);
    return kicked;
  }

  /** Waits for other gateways to take the handed-over sessions (see {@link SessionHandover.finish}). */
  finishHandover(): Promise<number> {
    return this.#handover?.finish() ?? Promise.resolve(0);
  }

  /** A resumable session changed: saved at the next sweep, or at once while it is being handed over. */
  #markDirty(session: Session): void {
    if (this.#handover?.holds(session)) this.#handover.changed(session);
    else this.#dirty.add(session);
  }

  /**
   * Saves the sessions changed since the last sweep and pushes back the expiry of those saved a
   * grace period ago. An entry lives 2 × graceMs and is refreshed every graceMs, so after a
   * gateway dies its clients have between one and two grace periods to resume elsewhere.
   */
  #sync(store: ResumeStore, now: number): void {
    const { graceMs } = this.#options;
    for (const session of this.#dirty) this.#save(store, session, now);
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

  /** Takes the session off a connection it is still on (the client saw the drop before we did), and drops that connection. */
  #dropConnection(session: Session, state: ResumeState): void {
    const previous = state.connection;
    if (!previous) return;
    this.#detach(session, state);
    previous.destroy(CloseReason.resumedElsewhere);
  }

  /** A new token on each resume: one seen on the wire once cannot be used again. */
  #rekey(session: Session, state: ResumeState): void {
    this.#byToken.delete(state.token);
    if (this.#saved.delete(session)) this.#track(this.#store!.drop(state.token));
    state.token = newToken();
    this.#byToken.set(state.token, session);
    this.#newToken(session);
  }

  /**
   * A token its client is about to learn goes to the store at once, not at the next sweep: the
   * client may drop and come back through another gateway or worker before then, and a token the
   * store does not know would come back `expired`. (That gateway then claims the session from here.)
   */
  #newToken(session: Session): void {
    const store = this.#store;
    if (!store) return;
    if (this.#handover?.holds(session)) return this.#markDirty(session);
    this.#dirty.delete(session);
    this.#save(store, session, Date.now());
  }

  /** Saves one session's snapshot for two grace periods; it is refreshed one grace period from `now`. */
  #save(store: ResumeStore, session: Session, now: number): void {
    const state = session.resume!;
    this.#saved.delete(session);
    this.#saved.set(session, now + this.#options.graceMs);
    this.#track(store.save(state.token, storedState(session, state), 2 * this.#options.graceMs));
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

/**
 * What a parked session sends through while its client is away: pushes are kept by the replay
 * buffer (so `send` has nothing to do), responses are dropped, and a kick ends the session.
 */
class ParkedLink extends DetachedLink {
  send(): boolean {
    return false;
  }

  kick(reason: string): void {
    this.host.endSession(this.session, reason);
  }
}
