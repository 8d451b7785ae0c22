import { CloseReason, ConnState, type ClientConnection } from './client-connection.js';

/**
 * One timer for every connection's deadlines and heartbeats. A timer per connection costs memory
 * and timer-wheel churn with many idle clients; one sweep over the set a few times a second costs
 * a loop of cheap comparisons.
 */
export class Sweeper {
  #timer: NodeJS.Timeout | undefined;
  readonly #connections: ReadonlySet<ClientConnection>;
  readonly #heartbeatMs: number;
  readonly #alsoRun: ((now: number) => void) | undefined;

  /**
   * @param heartbeatSec heartbeat interval in seconds (0 = off). @param tickMs sweep period in ms.
   * @param alsoRun more work on the same tick (parked resumable sessions).
   */
  constructor(connections: ReadonlySet<ClientConnection>, heartbeatSec: number, readonly tickMs: number, alsoRun?: (now: number) => void) {
    this.#connections = connections;
    this.#heartbeatMs = heartbeatSec * 1000;
    this.#alsoRun = alsoRun;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.sweep(Date.now()), this.tickMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Expires deadlines, drops peers silent for two heartbeat intervals, sends due heartbeats. */
  sweep(now: number): void {
    this.#alsoRun?.(now);
    const hb = this.#heartbeatMs;
    for (const conn of this.#connections) {
      if (conn.deadline !== 0 && now >= conn.deadline) {
        conn.expire();
        continue;
      }
      if (hb === 0 || conn.state !== ConnState.Open) continue;
      if (now - conn.lastReceived > 2 * hb) conn.close(CloseReason.heartbeatTimeout, true);
      else if (now - conn.lastHeartbeatSent >= hb) conn.sendHeartbeat(now);
    }
  }
}

/** A sweep period fine enough for the shortest deadline, between 50 ms and 1 s. */
export function sweepPeriod(heartbeatSec: number, ...deadlinesMs: number[]): number {
  const candidates = deadlinesMs.map((d) => d / 4);
  if (heartbeatSec > 0) candidates.push((heartbeatSec * 1000) / 4);
  return Math.max(50, Math.min(1000, ...candidates));
}
