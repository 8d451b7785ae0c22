/** Something with queued output to write in one go. */
export interface Flushable {
  flush(): void;
}

/**
 * Batches writes per event-loop turn: connections that queued output register once, and a single
 * setImmediate writes each one's queue as one socket write. Hot path: a broadcast to N members or
 * a burst of replies costs one syscall per connection instead of one per packet.
 */
export class WriteFlusher {
  #pending: Flushable[] = [];
  #scheduled = false;
  readonly #run = (): void => this.#flushAll();

  /** Registers `f` for the next flush; callers register each one at most once per turn. */
  schedule(f: Flushable): void {
    this.#pending.push(f);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#run);
    }
  }

  #flushAll(): void {
    this.#scheduled = false;
    const list = this.#pending;
    this.#pending = [];
    for (let i = 0; i < list.length; i++) list[i]!.flush();
  }
}
