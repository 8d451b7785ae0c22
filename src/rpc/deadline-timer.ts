/**
 * One timer for many deadlines. Instead of a setTimeout per call (an allocation and a timer-heap
 * insert and removal on every call, the hot path), a table of calls keeps a single timer armed for
 * its earliest deadline. When it fires, the table sweeps its entries, expires the due ones and
 * reports the next earliest deadline. Calls that finish early cost nothing but their table delete.
 *
 * A sweep walks every entry, so sweeps are spaced at least `resolutionMs` apart: a deadline may
 * pass up to that much late, never early. Normally the earliest entry is a recent call, so sweeps
 * come about once per timeout period.
 */

/** Monotonic milliseconds. */
export const now: () => number = () => performance.now();

/** Expires due entries at `time` and returns the earliest remaining deadline (Infinity if none). */
export type Sweep = (time: number) => number;

/** A single re-armable timer that runs a sweep at the earliest deadline it was told about. */
export class DeadlineTimer {
  readonly #sweep: Sweep;
  readonly #resolutionMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt = Infinity;

  /** @param resolutionMs Smallest gap between two sweeps, in milliseconds. */
  constructor(sweep: Sweep, resolutionMs: number) {
    this.#sweep = sweep;
    this.#resolutionMs = resolutionMs;
  }

  /** Makes sure a sweep runs at or shortly after `deadline` (a {@link now} time). */
  schedule(deadline: number): void {
    if (deadline >= this.#armedAt) return;
    this.#arm(deadline);
  }

  /** Cancels the timer (the table is closing or empty). */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
  }

  #arm(deadline: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = deadline;
    this.#timer = setTimeout(this.#fire, Math.max(0, Math.ceil(deadline - now())));
  }

  #fire = (): void => {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const t = now();
    const next = this.#sweep(t);
    if (next !== Infinity) this.#arm(Math.max(next, t + this.#resolutionMs));
  };
}
