/**
 * The order in which pushes reach each client. One client's pushes (its says and pokes) are caused
 * by its requests one at a time, and a backend sends a push before it answers the request that
 * caused it, so the copies one session of a sender causes must reach each receiver in the order of
 * their ids, replay after a resume included. A copy that arrives after a later one of the same
 * sender's session is an inversion; it counts once both causes are known to have been answered
 * (a request that failed may still run late, on another backend, after its sender went on).
 */

/** What the order check needs of a push event. */
export interface OrderedEvent {
  readonly id: number;
  /** The sender's slot and session, e.g. `17:3`. */
  readonly senderKey: string;
  /** Whether the cause was answered: true answered, false failed, undefined not yet. */
  readonly ok: boolean | undefined;
}

/** Latest copy per (receiver, sender session) and inversions waiting for their causes' answers. */
export class PushOrder {
  /** Per receiver slot: sender session → the newest event delivered from it. */
  readonly #latest = new Map<number, Map<string, OrderedEvent>>();
  readonly #pending: { readonly receiver: number; readonly late: OrderedEvent; readonly newer: OrderedEvent }[] = [];
  readonly #samples: string[] = [];
  #inversions = 0;

  /** Senders remembered per receiver; older ones have long finished their sessions. */
  static readonly PER_RECEIVER = 64;
  static readonly MAX_SAMPLES = 20;

  /** Copy of `event` reached `receiver` (a first copy; duplicates are counted elsewhere). */
  delivered(receiver: number, event: OrderedEvent): void {
    let latest = this.#latest.get(receiver);
    if (!latest) this.#latest.set(receiver, (latest = new Map()));
    const newest = latest.get(event.senderKey);
    if (newest && newest.id > event.id) {
      this.#pending.push({ receiver, late: event, newer: newest });
      return;
    }
    latest.delete(event.senderKey); // re-insert: the map's order is the order of last use
    latest.set(event.senderKey, event);
    if (latest.size > PushOrder.PER_RECEIVER) latest.delete(latest.keys().next().value!);
  }

  /** Counts the inversions whose causes are both answered; drops those where either failed. `all` decides every one left. */
  judge(all = false): void {
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      const p = this.#pending[i]!;
      if (!all && (p.late.ok === undefined || p.newer.ok === undefined)) continue;
      this.#pending.splice(i, 1);
      if (p.late.ok !== true || p.newer.ok !== true) continue;
      this.#inversions++;
      if (this.#samples.length < PushOrder.MAX_SAMPLES) this.#samples.push(`c${p.receiver} got #${p.late.id} after #${p.newer.id}, both from sender ${p.late.senderKey}`);
    }
  }

  get inversions(): number {
    return this.#inversions;
  }

  get samples(): string[] {
    return this.#samples;
  }
}
