import type { ResolvedRateLimit } from './options.js';

/**
 * A token bucket for one connection: `burst` tokens at most, refilled at `messagesPerSec`. There is
 * no timer: the refill owed since the last packet is added when the next one arrives, from the
 * timestamp the connection already reads for its heartbeat bookkeeping.
 *
 * Hot path: called once per data packet, so it is two fields and a few arithmetic operations.
 */
export class RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  /** @param now epoch ms at which the bucket starts full. */
  constructor(limit: ResolvedRateLimit, now: number) {
    this.#perMs = limit.messagesPerSec / 1000;
    this.#burst = limit.burst;
    this.#tokens = limit.burst;
    this.#last = now;
  }

  /** Takes one token at `now` (epoch ms); false when the bucket is empty and the packet is over the limit. */
  take(now: number): boolean {
    const elapsed = now - this.#last;
    // A clock stepping backwards refills nothing rather than draining the bucket.
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#perMs);
      this.#last = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
