/** What the record of leaving servers needs from its cluster runtime. */
export interface LeavingServersHost {
  /** Whether server `id` is in the membership now. */
  isMember(id: string): boolean;
  /** Drops the connections to server `id`. */
  forget(id: string): void;
  /** How long calls to a server may still be in flight (the forwarded-call deadline), in ms. */
  graceMs(): number;
}

/**
 * Servers that announced they leave: no longer picked, while their connections are kept. Such a
 * server deregisters before it has answered what it still holds, so once it is gone from the
 * membership its connections are forgotten only after those calls have had their deadline
 * (unless it is listed again first), and draining loses nothing. One timer per server gone.
 */
export class LeavingServers {
  readonly #host: LeavingServersHost;
  readonly #ids = new Set<string>();
  /** Servers gone from the membership after announcing they leave, each with its forget timer. */
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(host: LeavingServersHost) {
    this.#host = host;
  }

  /** Whether server `id` announced it leaves (hot path: one set lookup). */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Server `id` announced it leaves; nothing if it is not a member. */
  announced(id: string): void {
    if (this.#host.isMember(id)) this.#ids.add(id);
  }

  /** Server `id` left the membership: its connections are forgotten now, or later if it announced it leaves. */
  gone(id: string): void {
    if (!this.#ids.has(id)) {
      this.#host.forget(id);
      return;
    }
    if (this.#timers.has(id)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(id);
      this.#ids.delete(id);
      if (!this.#host.isMember(id)) this.#host.forget(id);
    }, this.#host.graceMs());
    timer.unref();
    this.#timers.set(id, timer);
  }

  /** Server `id` is in the membership: one that left after announcing it is back, and serves again. */
  listed(id: string): void {
    const timer = this.#timers.get(id);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(id);
    this.#ids.delete(id);
  }

  /** Clears the timers (the server is stopping). */
  stop(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
  }
}
