import { EMPTY_BYTES } from '../wire/bytes.js';

/**
 * The last pushes sent to a resumable session, numbered: push n is the n-th push the session was
 * sent (from 1). A client that comes back says the last number it processed and gets the ones after.
 * A ring over an array that grows to `limit` slots, so a quiet session holds a few pointers, not
 * `limit`; packets are kept by reference (a broadcast's bytes are shared by every member).
 */
export class ReplayBuffer {
  #ring: Uint8Array[] = [];
  /** Index in #ring of the oldest push held. */
  #head = 0;
  #count = 0;
  #bytes = 0;
  /** Number of the newest push (0: none yet). */
  #last = 0;
  readonly #limit: number;
  readonly #maxBytes: number;

  /** @param limit pushes kept. @param maxBytes bytes kept; older pushes go first. */
  constructor(limit: number, maxBytes: number) {
    this.#limit = limit;
    this.#maxBytes = maxBytes;
  }

  /** Number of the newest push (0 before the first). */
  get lastSeq(): number {
    return this.#last;
  }

  /** Pushes held now. */
  get size(): number {
    return this.#count;
  }

  /**
   * Makes the next push number `seq + 1` (a session handed over by another gateway continues its
   * numbering here). Only on an empty buffer that has numbered nothing yet.
   */
  startAt(seq: number): void {
    if (this.#last !== 0 || this.#count !== 0 || !Number.isSafeInteger(seq) || seq < 0) throw new RangeError('replay buffer can start at a number only before its first push');
    this.#last = seq;
  }

  /**
   * Numbers and keeps a push, dropping the oldest beyond the limits. Hot path for resumable
   * sessions: an array store and a few additions; the ring grows by doubling, never per push.
   */
  add(packet: Uint8Array): number {
    if (this.#count === this.#limit) this.#dropOldest();
    if (this.#count === this.#ring.length) this.#grow();
    this.#ring[(this.#head + this.#count) % this.#ring.length] = packet;
    this.#count++;
    this.#bytes += packet.length;
    while (this.#bytes > this.#maxBytes && this.#count > 0) this.#dropOldest();
    return ++this.#last;
  }

  /**
   * The pushes numbered after `seq`, oldest first: empty when `seq` is the newest, undefined when
   * some of them are no longer held (or `seq` is not a number this buffer gave).
   */
  after(seq: number): Uint8Array[] | undefined {
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > this.#last) return undefined;
    const missing = this.#last - seq;
    if (missing > this.#count) return undefined;
    const out = new Array<Uint8Array>(missing);
    const len = this.#ring.length;
    for (let i = 0; i < missing; i++) out[i] = this.#ring[(this.#head + this.#count - missing + i) % len]!;
    return out;
  }

  #dropOldest(): void {
    const len = this.#ring.length;
    this.#bytes -= this.#ring[this.#head]!.length;
    this.#ring[this.#head] = EMPTY_BYTES;
    this.#head = (this.#head + 1) % len;
    this.#count--;
  }

  /** Doubles the ring (8 slots first, at most `limit`), laying the pushes out oldest first. */
  #grow(): void {
    const len = this.#ring.length;
    const next = new Array<Uint8Array>(Math.min(this.#limit, Math.max(8, len * 2)));
    for (let i = 0; i < this.#count; i++) next[i] = this.#ring[(this.#head + i) % len]!;
    this.#ring = next;
    this.#head = 0;
  }
}
