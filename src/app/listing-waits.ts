import type { Logger } from 'pino';

/** One server awaited: the promise calls wait on, its resolver, and the timer that gives up. */
interface Waiting {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly timer: NodeJS.Timeout;
  /** Discovery lists the server; calls still wait until it has answered on the system channel. */
  confirming: boolean;
}

/**
 * Holds a backend's answers to a gateway it does not list yet. A handler's pushes and group changes
 * to that gateway are held until discovery lists it (see pending-system-messages.ts), and they
 * travel on another connection than the answer: an answer sent first would let the client act on a
 * join or leave its gateway has not seen. Once the gateway is listed, `confirm` makes one call to
 * it on the system channel, behind what was held; then the calls go on, in the order they came.
 * Waiting gives up after `maxWaitMs` (the system-message hold limit) and answers anyway.
 */
export class ListingWaits {
  readonly #waiting = new Map<string, Waiting>();
  readonly #maxWaitMs: number;
  readonly #confirm: (id: string) => Promise<unknown>;
  readonly #logger: Logger;

  constructor(maxWaitMs: number, confirm: (id: string) => Promise<unknown>, logger: Logger) {
    this.#maxWaitMs = maxWaitMs;
    this.#confirm = confirm;
    this.#logger = logger;
  }

  /** Resolves when calls from server `id` may be answered; undefined when they may now (the hot path). */
  until(id: string, listed: boolean): Promise<void> | undefined {
    if (this.#waiting.size > 0) {
      const w = this.#waiting.get(id);
      if (w) return w.promise; // listed meanwhile but not confirmed yet: newer calls must not overtake
    }
    if (listed || this.#maxWaitMs === 0) return undefined;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const timer = setTimeout(() => {
      this.#logger.warn({ server: id, waitedMs: this.#maxWaitMs }, 'answering calls from a server discovery still does not list');
      this.#release(id);
    }, this.#maxWaitMs);
    timer.unref();
    this.#waiting.set(id, { promise, resolve, timer, confirming: false });
    this.#logger.info({ server: id, maxWaitMs: this.#maxWaitMs }, 'calls from a server not in the membership yet wait until discovery lists it');
    return promise;
  }

  /** Discovery now lists `ids`: calls that waited for one of them go on once it has answered on the system channel. */
  listed(ids: Iterable<string>): void {
    if (this.#waiting.size === 0) return;
    for (const id of ids) {
      const w = this.#waiting.get(id);
      if (!w || w.confirming) continue;
      w.confirming = true;
      const release = (): void => this.#release(id);
      this.#confirm(id).then(release, release);
    }
  }

  /** Lets every waiting call go on (the server is stopping). */
  stop(): void {
    for (const id of [...this.#waiting.keys()]) this.#release(id);
  }

  #release(id: string): void {
    const w = this.#waiting.get(id);
    if (!w) return;
    this.#waiting.delete(id);
    clearTimeout(w.timer);
    w.resolve();
  }
}
