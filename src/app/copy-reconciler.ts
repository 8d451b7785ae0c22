import type { Logger } from 'pino';
import type { ServerInfo } from '../cluster/server-info.js';
import { ProtocolError } from '../wire/index.js';
import { isRecord } from '../wire/json-record.js';
import type { RemoteSession } from './remote-session.js';

/** The reasons a backend's copy of a session is closed without the gateway's close notice (the close hooks get them). */
export const CopyCloseReason = {
  /** The gateway ended the session while its close notice could not reach this backend. */
  closedWhileAway: 'session closed while away',
  /** The gateway was restarted: the sessions of its old process ended with it (unless resumed meanwhile). */
  gatewayRestarted: 'gateway restarted',
  /** The gateway left the membership and did not come back within `gatewayGoneMs`. */
  gatewayGone: 'gateway gone',
} as const;

/** A gateway's answer to "which of these sessions do you hold": its process's incarnation and the living ids. */
export interface AliveAnswer {
  readonly incarnation: string;
  readonly alive: readonly string[];
}

/** Checks the header of a gateway's answer to `__yard.gw.alive`; throws ProtocolError when malformed. */
export function decodeAliveAnswer(v: unknown): AliveAnswer {
  const o: Record<string, unknown> = isRecord(v) ? v : {};
  if (typeof o.incarnation !== 'string' || !Array.isArray(o.alive) || !o.alive.every((x) => typeof x === 'string')) {
    throw new ProtocolError('ERR_BODY_INVALID', 'malformed answer to a sessions-alive question');
  }
  return { incarnation: o.incarnation, alive: o.alive as string[] };
}

/** What the reconciler needs from the backend's copies and from the cluster. */
export interface CopyReconcilerHost {
  /** The copies held of gateway `frontendId`'s sessions. */
  copiesOf(frontendId: string): RemoteSession[];
  /** The gateways whose sessions this backend holds copies of. */
  frontendsWithCopies(): Set<string>;
  /** Closes `copy` (runs its close hooks, drops it) if it is still the copy held for its id. */
  closeCopy(copy: RemoteSession, reason: string): void;
  /** The member with this id, if it is in the membership now. */
  member(id: string): ServerInfo | undefined;
  /** Asks gateway `server` which of `sids` it still holds. */
  askAlive(server: ServerInfo, sids: readonly string[]): Promise<AliveAnswer>;
}

/** How a backend keeps its copies of sessions in step with their gateways. */
export interface CopyReconcilerOptions {
  /** A gateway absent from the membership this long is taken as gone: its sessions' copies are closed. Default 30000. */
  gatewayGoneMs?: number;
  /** Every copy is checked with its gateway this often, whatever happened; 0 = never. Default 60000. */
  checkIntervalMs?: number;
}

/** The defaults, as the cluster config documents them. */
export const SESSION_COPIES_DEFAULTS: Readonly<Required<CopyReconcilerOptions>> = Object.freeze({ gatewayGoneMs: 30_000, checkIntervalMs: 60_000 });

/** Session ids per question to a gateway, so one answer stays small. */
const BATCH = 1000;

/**
 * A backend's safety net for the close notices it missed. A gateway tells each backend when a
 * session closes, but not one that is out of its membership at that moment (its lease lapsed
 * while it was paused or cut off), and a one-way notice can be lost with a connection. So the
 * backend asks the gateway which of its copies' sessions are still alive when the gateway
 * (re)appears, when the gateway says it saw this backend (re)appear, and every `checkIntervalMs`;
 * it closes the copies of dead sessions, and `gatewayGoneMs` later those of a gateway's earlier
 * process (a resumable session may meanwhile move to a gateway, the restarted one included, and its
 * copy with it). A gateway that leaves the membership and stays away `gatewayGoneMs` has its copies
 * closed. It holds one timer per absent gateway, one per restart seen with copies of the earlier
 * process, and one check at a time per gateway, nothing per session.
 */
export class CopyReconciler {
  readonly #host: CopyReconcilerHost;
  readonly #logger: Logger;
  readonly #goneMs: number;
  readonly #checkMs: number;
  /** Gateways out of the membership, each with the timer that declares it gone. */
  readonly #absent = new Map<string, NodeJS.Timeout>();
  /** Gateways being checked now; true when another check was asked for meanwhile. */
  readonly #checking = new Map<string, boolean>();
  /** Timers closing the copies of a gateway's earlier process; the copies already waiting on one. */
  readonly #restartTimers = new Set<NodeJS.Timeout>();
  readonly #waiting = new WeakSet<RemoteSession>();
  #interval: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(host: CopyReconcilerHost, logger: Logger, options: CopyReconcilerOptions = {}) {
    this.#host = host;
    this.#logger = logger;
    this.#goneMs = options.gatewayGoneMs ?? SESSION_COPIES_DEFAULTS.gatewayGoneMs;
    this.#checkMs = options.checkIntervalMs ?? SESSION_COPIES_DEFAULTS.checkIntervalMs;
  }

  /** Starts the periodic check. */
  start(): void {
    if (this.#checkMs <= 0 || this.#interval) return;
    this.#interval = setInterval(() => this.checkAll(), this.#checkMs);
    this.#interval.unref();
  }

  /** Stops every timer; checks under way finish without closing anything more. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#interval);
    for (const t of this.#absent.values()) clearTimeout(t);
    this.#absent.clear();
    for (const t of this.#restartTimers) clearTimeout(t);
    this.#restartTimers.clear();
  }

  /** Gateway `id` left the membership: its copies are closed unless it is back within `gatewayGoneMs`. */
  gatewayLeft(id: string): void {
    if (this.#stopped || this.#absent.has(id)) return;
    const timer = setTimeout(() => {
      this.#absent.delete(id);
      if (this.#host.member(id)) return;
      const copies = this.#host.copiesOf(id);
      if (copies.length > 0) this.#logger.warn({ gateway: id, copies: copies.length }, 'gateway gone; closing its sessions here');
      for (const c of copies) this.#host.closeCopy(c, CopyCloseReason.gatewayGone);
    }, this.#goneMs);
    timer.unref();
    this.#absent.set(id, timer);
  }

  /** Gateway `id` is in the membership again (or anew): checks the copies of its sessions. */
  gatewayBack(id: string): void {
    const timer = this.#absent.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.#absent.delete(id);
    this.check(id);
  }

  /** Checks every copy with its gateway; a gateway not in the membership is treated as having left. */
  checkAll(): void {
    for (const id of this.#host.frontendsWithCopies()) this.check(id);
  }

  /** Asks gateway `id` which of the sessions copied here are alive, and closes the others' copies. */
  check(id: string): void {
    if (this.#stopped) return;
    if (this.#checking.has(id)) {
      this.#checking.set(id, true);
      return;
    }
    this.#checking.set(id, false);
    void this.#run(id)
      .catch((err: unknown) => this.#logger.error({ err, gateway: id }, 'checking copies of sessions failed'))
      .finally(() => {
        const again = this.#checking.get(id) === true;
        this.#checking.delete(id);
        if (again) this.check(id);
      });
  }

  async #run(id: string): Promise<void> {
    const copies = this.#host.copiesOf(id);
    if (copies.length === 0) return;
    const server = this.#host.member(id);
    if (!server) {
      this.gatewayLeft(id);
      return;
    }
    let closed = 0;
    const earlier: RemoteSession[] = [];
    for (let i = 0; i < copies.length && !this.#stopped; i += BATCH) {
      const batch = copies.slice(i, i + BATCH);
      let answer: AliveAnswer;
      try {
        answer = await this.#host.askAlive(server, batch.map((c) => c.id));
      } catch (err) {
        this.#logger.warn({ err, gateway: id }, 'could not check sessions with their gateway; will check again');
        return;
      }
      if (this.#stopped) return;
      const alive = new Set(answer.alive);
      for (const c of batch) {
        if (c.incarnation !== answer.incarnation) {
          if (!this.#waiting.has(c)) earlier.push(c);
        } else if (!alive.has(c.id)) {
          this.#host.closeCopy(c, CopyCloseReason.closedWhileAway);
          closed++;
        }
      }
    }
    if (closed > 0) this.#logger.info({ gateway: id, closed, checked: copies.length }, 'closed copies of sessions their gateway no longer holds');
    if (earlier.length > 0) this.#closeEarlierLater(id, earlier);
  }

  /**
   * Copies of sessions of gateway `id`'s earlier process: closed `gatewayGoneMs` from now, each
   * unless it moved meanwhile (a gateway that restored the session told this backend).
   */
  #closeEarlierLater(id: string, copies: RemoteSession[]): void {
    const held = copies.map((c) => ({ c, incarnation: c.incarnation }));
    for (const c of copies) this.#waiting.add(c);
    this.#logger.info({ gateway: id, copies: copies.length, inMs: this.#goneMs }, 'gateway restarted; closing the copies of its earlier sessions unless they move');
    const timer = setTimeout(() => {
      this.#restartTimers.delete(timer);
      let closed = 0;
      for (const { c, incarnation } of held) {
        this.#waiting.delete(c);
        if (c.frontendId !== id || c.incarnation !== incarnation || c.closed) continue;
        this.#host.closeCopy(c, CopyCloseReason.gatewayRestarted);
        closed++;
      }
      if (closed > 0) this.#logger.info({ gateway: id, closed }, 'closed copies of sessions of an earlier process of their gateway');
    }, this.#goneMs);
    timer.unref();
    this.#restartTimers.add(timer);
  }
}
