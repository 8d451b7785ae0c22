/**
 * Keeps a connection alive and notices when the server is gone: sends a heartbeat every interval
 * and declares the server dead after two intervals without a packet of any kind.
 */
export class Heartbeat {
  readonly #intervalMs: number;
  readonly #send: () => void;
  readonly #onDead: () => void;
  #lastSeen = 0;
  #sendTimer: ReturnType<typeof setInterval> | undefined;
  #deadTimer: ReturnType<typeof setTimeout> | undefined;

  /** @param intervalMs heartbeat interval in milliseconds (the handshake's seconds × 1000). */
  constructor(intervalMs: number, send: () => void, onDead: () => void) {
    this.#intervalMs = intervalMs;
    this.#send = send;
    this.#onDead = onDead;
  }

  /** Starts both timers. */
  start(): void {
    this.#lastSeen = Date.now();
    this.#sendTimer = setInterval(this.#send, this.#intervalMs);
    this.#armDeadTimer(2 * this.#intervalMs);
  }

  /**
   * Records that a packet arrived. Hot path (every packet): it only stores a time; the dead timer
   * looks at it when it fires instead of being re-armed per packet.
   */
  touch(): void {
    this.#lastSeen = Date.now();
  }

  /** Stops both timers. */
  stop(): void {
    clearInterval(this.#sendTimer);
    clearTimeout(this.#deadTimer);
    this.#sendTimer = this.#deadTimer = undefined;
  }

  #armDeadTimer(delayMs: number): void {
    this.#deadTimer = setTimeout(() => {
      const silentFor = Date.now() - this.#lastSeen;
      const limit = 2 * this.#intervalMs;
      if (silentFor >= limit) {
        this.stop();
        this.#onDead();
      } else {
        this.#armDeadTimer(limit - silentFor);
      }
    }, delayMs);
  }
}
