/** Something with queued output to write in one go. */
export interface Flushable {
  flush(): void;
}

/**
 * Batches writes per event-loop turn: what queued output registers once, and a single setImmediate
 * (after every callback of the turn's poll phase) writes each one's queue as one socket write. Hot
 * path: a burst of replies, or a broadcast to N members, costs one syscall per connection instead
 * of one per message. Lanes flush in order, each in the order its members registered, so a caller
 * can make some connections' batches go out before others' in the same turn.
 */
export class TurnFlusher {
  #lanes: Flushable[][];
  #scheduled = false;

  /** @param lanes How many lanes; lane 0 flushes first. */
  constructor(lanes = 1) {
    this.#lanes = Array.from({ length: lanes }, () => []);
  }

  /** Registers `f` for the end of this turn; callers register each one at most once per turn. */
  schedule(f: Flushable, lane = 0): void {
    this.#lanes[lane]!.push(f);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#run);
    }
  }

  readonly #run = (): void => {
    this.#scheduled = false;
    const lanes = this.#lanes;
    this.#lanes = lanes.map(() => []);
    for (const lane of lanes) for (let i = 0; i < lane.length; i++) lane[i]!.flush();
  };
}
