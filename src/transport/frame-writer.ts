import { allocBytes, writeUint32BE } from '../wire/bytes.js';
import { FRAME_PREFIX_BYTES } from './frame-decoder.js';
import { TurnFlusher, type Flushable } from './turn-flusher.js';

/** The part of a Node socket the writer uses. */
export interface WritableSocket {
  write(chunk: Uint8Array): boolean;
  cork(): void;
  uncork(): void;
}

/** Below this many queued bytes a flush copies everything into one buffer; above, it corks. */
export const COALESCE_LIMIT_BYTES = 64 * 1024;

/**
 * Which writers of a turn go out first. A server answers a call on the connection its caller
 * opened (`accepted`) and sends its own messages to that caller, pushes and group changes, on a
 * connection it opened itself (`opened`); writing every `opened` batch of a turn before any
 * `accepted` one means the caller never reads an answer before what the call sent it, whichever
 * connection had frames queued first in the turn.
 */
export type FlushOrder = 'opened' | 'accepted';

/** One per process: the order between writers holds only if they flush together. */
const turnFlush = new TurnFlusher(2);

/**
 * Writes length-prefixed frames, batched per event-loop turn. Hot path: a gateway forwards the
 * requests of many clients, each arriving in its own socket callback, over a few pooled
 * connections; flushing in a setImmediate (after every callback of this turn's poll phase, not
 * after each one as a microtask would) turns N socket writes, and N syscalls with no-delay on,
 * into one. Small batches are copied into a single buffer, which is cheaper than a vectored write
 * of many tiny pieces; large ones are written piecewise under cork so big bodies are not copied
 * again. Every writer of the process flushes in one setImmediate, in {@link FlushOrder}.
 */
export class FrameWriter implements Flushable {
  readonly #socket: WritableSocket;
  /** The turn flusher's lane: 0 for `opened`, 1 for `accepted`. */
  readonly #lane: number;
  #queue: Uint8Array[] = [];
  #bytes = 0;
  #scheduled = false;

  constructor(socket: WritableSocket, order: FlushOrder = 'opened') {
    this.#socket = socket;
    this.#lane = order === 'opened' ? 0 : 1;
  }

  /** Queues one frame for the flush at the end of this event-loop turn. */
  push(frame: Uint8Array): void {
    this.#queue.push(frame);
    this.#bytes += FRAME_PREFIX_BYTES + frame.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      turnFlush.schedule(this, this.#lane);
    }
  }

  /** Writes everything queued now (also called before the socket ends). */
  flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    if (queue.length === 0) return;
    const bytes = this.#bytes;
    this.#queue = [];
    this.#bytes = 0;
    if (bytes <= COALESCE_LIMIT_BYTES) this.#socket.write(coalesceFrames(queue, bytes));
    else this.#writeCorked(queue);
  }

  #writeCorked(queue: Uint8Array[]): void {
    this.#socket.cork();
    for (const frame of queue) {
      this.#socket.write(prefix(frame.length));
      this.#socket.write(frame);
    }
    this.#socket.uncork();
  }
}

/** The frames of `queue`, each after its length prefix, in one buffer of `bytes` bytes (prefixes included). */
export function coalesceFrames(queue: readonly Uint8Array[], bytes: number): Uint8Array {
  const out = allocBytes(bytes);
  let at = 0;
  for (const frame of queue) {
    writeUint32BE(out, frame.length, at);
    out.set(frame, at + FRAME_PREFIX_BYTES);
    at += FRAME_PREFIX_BYTES + frame.length;
  }
  return out;
}

function prefix(length: number): Uint8Array {
  const out = allocBytes(FRAME_PREFIX_BYTES);
  writeUint32BE(out, length, 0);
  return out;
}
