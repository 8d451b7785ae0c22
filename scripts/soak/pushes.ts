/**
 * Accounting of the soak run's pushes. A push event (one `room.say` broadcast or one `soak.poke`)
 * gets an id the server echoes in every copy it pushes. When the request that causes it is sent,
 * every client that may receive a copy becomes a candidate; when its answer arrives, the
 * candidates that must receive one become firm: a room member whose join was answered before the
 * say was sent and who neither left nor lost its connection before the answer came; a poked user
 * whose login was answered before the poke and whom the server reported as found.
 *
 * A firm copy not delivered within {@link HORIZON_MS} of the answer is lost, unless its receiver's
 * session ended meanwhile or the run began closing it, the session came back from a resume without
 * the pushes it missed, or NATS was being restarted while the cause was in flight (each counted
 * apart: the promise is "nothing lost to sessions that stayed whole"). Copies to candidates that
 * were not firm may or may not arrive; copies to anyone else must match the receiver's room
 * history, or they are misdelivered. The order of arrival is checked in push-order.ts.
 */
import type { EndReason } from './clients.js';
import type { FaultLog } from './faults.js';
import { PushOrder } from './push-order.js';

/** What caused a push. */
export type PushKind = 'say' | 'poke';

/** Someone who may receive a copy, with the connection it had when the cause was sent. */
export interface Candidate {
  readonly slot: number;
  readonly epoch: number;
}

/** What the ledger needs to know about the clients, asked when it judges an event. */
export interface ClientView {
  /** Whether the client still has the connection of `epoch`, and the run is not closing it. */
  connectedSince(slot: number, epoch: number): boolean;
  /** Why the client's session `epoch` ended, if it did. */
  endReason(slot: number, epoch: number): EndReason | undefined;
  /** Whether the client was in `room`, or joining it, at some time in [from, to] (ms timestamps). */
  wasInRoom(slot: number, room: string, from: number, to: number): boolean;
  /** A short description for samples, e.g. `c17 gate2/tcp epoch 0`. */
  describe(slot: number): string;
  /** The client's last `count` events (joins, leaves, reconnects) before `until`, for samples. */
  trail(slot: number, until: number, count: number): string[];
}

/** A lost copy, for the report. */
export interface LostSample {
  readonly kind: PushKind;
  readonly id: number;
  readonly room?: string;
  readonly from: string;
  readonly to: string;
  readonly sentAtMs: number;
  readonly answeredAfterMs: number;
}

/** The lost copies of one receiver, with what it did just before the first one. */
export interface LostByReceiver {
  readonly to: string;
  count: number;
  readonly firstSentAtMs: number;
  lastSentAtMs: number;
  readonly rooms: string[];
  /** The receiver's events up to a second after the first lost copy's cause was sent. */
  readonly trail: string[];
}

/** Copies still undelivered this long after the cause was answered are judged lost, in ms. */
export const HORIZON_MS = 15_000;
const MAX_SAMPLES = 30;
/** Misdelivered samples that carry the receiver's last events. */
const MAX_TRAILS = 10;

interface Expectation {
  readonly epoch: number;
  firm: boolean;
  deliveries: number;
}

interface PushEvent {
  readonly id: number;
  readonly kind: PushKind;
  readonly origin: number;
  /** The sender's slot and session, for the order check. */
  readonly senderKey: string;
  /** The cause was answered (true) or failed (false). */
  ok: boolean | undefined;
  readonly room: string | undefined;
  readonly sentAt: number;
  answeredAt: number | undefined;
  readonly targets: Map<number, Expectation>;
}

/** Counts of one kind of push. */
export interface PushCounts {
  /** Events whose cause was sent. */
  events: number;
  /** Firm copies whose receiver stayed connected: the ones that must arrive. */
  expected: number;
  delivered: number;
  lost: number;
  /** Firm copies not delivered because the receiver's session ended first (or the run began closing it). */
  receiverDisconnected: number;
  /** Of those, sessions that ended because their gateway was killed. */
  receiverLostToFault: number;
  /** Firm copies not delivered to a resumable session that came back told to resync (the pushes it missed are gone). */
  missedOverResync: number;
  /** Firm copies not delivered to a receiver that stayed, whose cause was in flight while NATS was being restarted. */
  lostToNatsRestart: number;
  /** Copies to candidates that were not firm (joining, leaving, cause failed) that arrived / did not. */
  optionalDelivered: number;
  optionalNotDelivered: number;
  /** A second copy of the same event to the same client. */
  duplicates: number;
  /** A copy that arrived after a later one caused by the same session of the same sender (both causes answered). */
  outOfOrder: number;
  /** Copies to clients that were not candidates but whose room history allows them (a join racing the say). */
  extra: number;
  /** Copies to clients that were never in the room at that time, or for an unknown or long-judged event. */
  misdelivered: number;
}

function emptyCounts(): PushCounts {
  return {
    events: 0, expected: 0, delivered: 0, lost: 0, receiverDisconnected: 0, receiverLostToFault: 0, missedOverResync: 0, lostToNatsRestart: 0,
    optionalDelivered: 0, optionalNotDelivered: 0, duplicates: 0, outOfOrder: 0, extra: 0, misdelivered: 0,
  };
}

/** Push events in flight and the counts of those judged. Memory is bounded by the horizon. */
export class PushLedger {
  readonly #startedAt: number;
  readonly #view: ClientView;
  readonly #events = new Map<number, PushEvent>();
  readonly #counts: Record<PushKind, PushCounts> = { say: emptyCounts(), poke: emptyCounts() };
  readonly #lost: LostSample[] = [];
  readonly #misdelivered: string[] = [];
  readonly #lostBy = new Map<number, LostByReceiver>();
  readonly #faults: FaultLog;
  readonly #order = new PushOrder();
  #nextId = 1;

  constructor(startedAt: number, view: ClientView, faults: FaultLog) {
    this.#startedAt = startedAt;
    this.#view = view;
    this.#faults = faults;
  }

  /** Opens an event before its cause is sent by session `originEpoch` of slot `origin`; returns the id to put in the request. */
  begin(kind: PushKind, origin: number, originEpoch: number, room: string | undefined, candidates: readonly Candidate[]): number {
    const id = this.#nextId++;
    const targets = new Map<number, Expectation>();
    for (const c of candidates) targets.set(c.slot, { epoch: c.epoch, firm: false, deliveries: 0 });
    this.#events.set(id, { id, kind, origin, senderKey: `${origin}:${originEpoch}`, ok: undefined, room, sentAt: Date.now(), answeredAt: undefined, targets });
    this.#counts[kind].events++;
    return id;
  }

  /** The cause was answered: `firm` receivers must get a copy. */
  settle(id: number, firm: Iterable<number>): void {
    const event = this.#events.get(id);
    if (!event) return;
    event.answeredAt = Date.now();
    event.ok = true;
    for (const slot of firm) {
      const e = event.targets.get(slot);
      if (e) e.firm = true;
    }
  }

  /** The cause failed: no copy is required (one may still arrive). */
  abandon(id: number): void {
    const event = this.#events.get(id);
    if (!event) return;
    event.answeredAt = Date.now();
    event.ok = false;
  }

  /** Client `slot` received a copy of event `id`. */
  deliver(slot: number, kind: PushKind, id: number): void {
    const event = this.#events.get(id);
    if (!event || event.kind !== kind) return this.#misdeliver(slot, kind, id, 'unknown or already judged event');
    const e = event.targets.get(slot);
    if (e) {
      if (++e.deliveries > 1) this.#counts[kind].duplicates++;
      else this.#order.delivered(slot, event);
      return;
    }
    const legit = event.room !== undefined && this.#view.wasInRoom(slot, event.room, event.sentAt, Date.now());
    if (legit) {
      this.#counts[kind].extra++;
      this.#order.delivered(slot, event);
    }
    else this.#misdeliver(slot, kind, id, `not a candidate (room ${event.room ?? '-'})`);
  }

  #misdeliver(slot: number, kind: PushKind, id: number, why: string): void {
    this.#counts[kind].misdelivered++;
    if (this.#misdelivered.length >= MAX_SAMPLES) return;
    const trail = this.#misdelivered.length < MAX_TRAILS ? `; its last events: ${this.#view.trail(slot, Date.now(), 6).join('; ')}` : '';
    this.#misdelivered.push(`${kind} #${id} to ${this.#view.describe(slot)}: ${why}${trail}`);
  }

  /** Judges every event answered more than the horizon ago. */
  sweep(now = Date.now()): void {
    for (const [id, event] of this.#events) {
      if (event.answeredAt !== undefined && now - event.answeredAt > HORIZON_MS) this.#judge(id, event);
    }
    this.#order.judge();
  }

  /** Judges every event left (the load has stopped and pushes had time to drain). */
  finish(): void {
    for (const [id, event] of this.#events) this.#judge(id, event);
    this.#order.judge(true);
  }

  /** Required copies not arrived yet to receivers still on the same connection (draining is done at 0). */
  get pendingCopies(): number {
    let n = 0;
    for (const event of this.#events.values()) {
      for (const [slot, e] of event.targets) if (e.firm && e.deliveries === 0 && this.#view.connectedSince(slot, e.epoch)) n++;
    }
    return n;
  }

  #judge(id: number, event: PushEvent): void {
    this.#events.delete(id);
    const counts = this.#counts[event.kind];
    for (const [slot, e] of event.targets) {
      if (!e.firm) {
        if (e.deliveries > 0) counts.optionalDelivered++;
        else counts.optionalNotDelivered++;
      } else if (e.deliveries > 0) {
        counts.expected++;
        counts.delivered++;
      } else if (!this.#view.connectedSince(slot, e.epoch)) {
        const why = this.#view.endReason(slot, e.epoch);
        if (why === 'resumeResync') counts.missedOverResync++;
        else counts.receiverDisconnected++;
        if (why === 'fault') counts.receiverLostToFault++;
      } else if (this.#faults.overlaps(event.sentAt, event.answeredAt ?? Date.now(), ['restart-nats'])) {
        counts.lostToNatsRestart++;
      } else {
        counts.expected++;
        counts.lost++;
        this.#sampleLost(id, event, slot);
      }
    }
  }

  #sampleLost(id: number, event: PushEvent, slot: number): void {
    this.#noteLostTo(event, slot);
    if (this.#lost.length >= MAX_SAMPLES) return;
    this.#lost.push({
      kind: event.kind,
      id,
      room: event.room,
      from: this.#view.describe(event.origin),
      to: this.#view.describe(slot),
      sentAtMs: event.sentAt - this.#startedAt,
      answeredAfterMs: (event.answeredAt ?? event.sentAt) - event.sentAt,
    });
  }

  /** Groups losses by receiver: a receiver missing many copies in a row points at its membership. */
  #noteLostTo(event: PushEvent, slot: number): void {
    const at = event.sentAt - this.#startedAt;
    const seen = this.#lostBy.get(slot);
    if (seen) {
      seen.count++;
      seen.lastSentAtMs = Math.max(seen.lastSentAtMs, at);
      if (event.room !== undefined && !seen.rooms.includes(event.room)) seen.rooms.push(event.room);
      return;
    }
    const trail = this.#view.trail(slot, event.sentAt + 1000, 16);
    this.#lostBy.set(slot, { to: this.#view.describe(slot), count: 1, firstSentAtMs: at, lastSentAtMs: at, rooms: event.room === undefined ? [] : [event.room], trail });
  }

  /** Totals over both kinds. */
  get total(): PushCounts {
    const t = emptyCounts();
    for (const c of Object.values(this.#counts)) for (const k of Object.keys(t) as (keyof PushCounts)[]) t[k] += c[k];
    t.outOfOrder = this.#order.inversions;
    return t;
  }

  /** The figures for the report. */
  summary(): PushSummary {
    const byKind = { say: { ...this.#counts.say }, poke: { ...this.#counts.poke } };
    const lostByReceiver = [...this.#lostBy.values()].sort((a, b) => a.firstSentAtMs - b.firstSentAtMs);
    return { ...this.total, byKind, lostSamples: this.#lost, lostByReceiver, misdeliveredSamples: this.#misdelivered, outOfOrderSamples: this.#order.samples };
  }
}

/** The push figures of a report. */
export interface PushSummary extends PushCounts {
  byKind: Record<PushKind, PushCounts>;
  lostSamples: LostSample[];
  lostByReceiver: LostByReceiver[];
  misdeliveredSamples: string[];
  outOfOrderSamples: string[];
}
