import { CloseReason } from './client-connection.js';
import { DetachedLink } from './detached-link.js';
import type { ResolvedResume } from './options.js';
import type { ResumeHost } from './resume-manager.js';
import { wholeState } from './resume-state.js';
import type { ResumeStore } from './resume-store.js';
import type { Session } from './session.js';

/** A handed-over session's bookkeeping. */
interface Handover {
  /** Number of the last push its client had when it was handed over (later ones go into the store). */
  readonly base: number;
  /** Number of the last push in the newest snapshot the store accepted; -1 before the first. */
  written: number;
}

/**
 * Resumable sessions handed to other gateways by a gateway that stops gracefully. Each is detached
 * from its connection, so later pushes go only to its replay buffer, and saved to the shared store
 * with its push number before its client is told to reconnect; until another gateway takes it (or
 * `handoverMs` runs out), each change is written to the store again, while its token is still there.
 */
export class SessionHandover {
  readonly #options: ResolvedResume;
  readonly #host: ResumeHost;
  readonly #store: ResumeStore;
  readonly #sessions = new Map<Session, Handover>();
  /** Handed-over sessions changed since their last write to the store. */
  readonly #dirty = new Set<Session>();
  #flushQueued = false;
  #done: (() => void) | undefined;

  constructor(options: ResolvedResume, host: ResumeHost, store: ResumeStore) {
    this.#options = options;
    this.#host = host;
    this.#store = store;
  }

  /** Whether `session` was handed over and still waits here. */
  holds(session: Session): boolean {
    return this.#sessions.has(session);
  }

  /**
   * Hands `session` over: detached from its connection and saved with its push number. Resolves true
   * once saved; false when the save failed, and the session has then ended here (`reason`).
   */
  add(session: Session, reason: string): Promise<boolean> {
    const state = session.resume!;
    // A parked client may lack anything the buffer holds; a connected one has had all sent so far.
    const base = state.connection ? state.replay.lastSeq : state.replay.lastSeq - state.replay.size;
    state.connection = undefined;
    session.attach(new HandoverLink(session, this, this.#host));
    const handover: Handover = { base, written: -1 };
    this.#sessions.set(session, handover);
    const snapshot = wholeState(session, state, base);
    return this.#store.save(state.token, snapshot, 2 * this.#options.graceMs).then(
      () => {
        handover.written = Math.max(handover.written, snapshot.seq!);
        return true;
      },
      (err: unknown) => {
        this.#host.logger.warn({ err, session: session.id }, 'handing a session over failed; it ends here');
        this.#sessions.delete(session);
        this.#host.endSession(session, reason);
        return false;
      },
    );
  }

  /**
   * Waits until another gateway has taken every handed-over session, or `handoverMs`; then ends
   * those left here without dropping them from the store (their clients may still come for them),
   * and says how many they were.
   * Meanwhile, with a store that can update only what is still there, each is written again every
   * quarter of `handoverMs` (at most 250 ms): that is how a take is noticed when no push comes.
   */
  async finish(): Promise<number> {
    if (this.#sessions.size > 0) {
      const { handoverMs } = this.#options;
      const polling = this.#store.update !== undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, handoverMs);
        const poll =
          polling &&
          setInterval(() => {
            for (const session of this.#sessions.keys()) this.#dirty.add(session);
            void this.#flush();
          }, Math.max(10, Math.min(250, handoverMs / 4)));
        function done(): void {
          clearTimeout(timer);
          if (poll) clearInterval(poll);
          resolve();
        }
        this.#done = done;
      });
      this.#done = undefined;
      await this.#flush(); // what came in since the last write goes to the store with them
    }
    const left = [...this.#sessions.keys()];
    for (const session of left) this.#moved(session, CloseReason.shutdown);
    return left.length;
  }

  /** A handed-over session got a push or changed: written to the store again at the next turn. */
  changed(session: Session): void {
    this.#dirty.add(session);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => void this.#flush());
  }

  /**
   * A handed-over session was kicked: if its snapshot is still in the store, nobody took it and this
   * is a real end (a login elsewhere), so it ends here and the snapshot goes; if another gateway took
   * it, the kick came from the session living on there (binding its user again), so it just leaves.
   */
  kicked(session: Session, reason: string): void {
    const state = session.resume;
    const handover = this.#sessions.get(session);
    if (!state || !handover) return;
    this.#sessions.delete(session);
    this.#store.take(state.token).then(
      (kept) => (kept ? this.#host.endSession(session, reason) : this.#taken(session, handover)),
      () => this.#taken(session, handover),
    );
    this.#checkDone();
  }

  /**
   * Writes the changed handed-over sessions to the store, each only while its token is still there
   * (a store without `update` overwrites). Resolves when the writes are answered.
   */
  #flush(): Promise<void> {
    this.#flushQueued = false;
    const writes: Promise<void>[] = [];
    for (const [session, handover] of this.#sessions) {
      if (this.#dirty.delete(session)) writes.push(this.#write(session, handover));
    }
    return Promise.all(writes).then(() => {});
  }

  async #write(session: Session, handover: Handover): Promise<void> {
    const store = this.#store;
    const token = session.resume!.token;
    const snapshot = wholeState(session, session.resume!, handover.base);
    const ttl = 2 * this.#options.graceMs;
    try {
      const present = store.update ? await store.update(token, snapshot, ttl) : (await store.save(token, snapshot, ttl), true);
      if (present) handover.written = Math.max(handover.written, snapshot.seq!);
      else if (this.#sessions.delete(session)) {
        this.#taken(session, handover);
        this.#checkDone();
      }
    } catch (err) {
      this.#host.logger.warn({ err, session: session.id }, 'updating a handed-over session failed');
    }
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
    this.#sessions.delete(session);
    this.#host.endSession(session, reason, true);
    this.#checkDone();
  }

  #checkDone(): void {
    if (this.#sessions.size === 0) this.#done?.();
  }
}

/**
 * What a handed-over session sends through while its gateway stops: like a parked session, pushes
 * go only to the replay buffer, but each one (and any change) is written to the store again, and a
 * kick asks whether another gateway took the session.
 */
class HandoverLink extends DetachedLink {
  readonly #handover: SessionHandover;

  constructor(session: Session, handover: SessionHandover, host: ResumeHost) {
    super(session, host);
    this.#handover = handover;
  }

  send(): boolean {
    this.#handover.changed(this.session);
    return false;
  }

  kick(reason: string): void {
    this.#handover.kicked(this.session, reason);
  }
}
