import { readUint32BE } from '../wire/bytes.js';
import { ProtocolError } from '../wire/errors.js';
import { FRAME_PREFIX_BYTES } from './frame-decoder.js';
import { coalesceFrames } from './frame-writer.js';

/**
 * Frames gathered for one message of a message transport (NATS): each frame after its 4-byte
 * big-endian length, the same framing as a TCP stream, so one message carries a whole turn's frames.
 */
export class FrameBatch {
  #frames: Uint8Array[] = [];
  #bytes = 0;

  /** Frames gathered so far. */
  get count(): number {
    return this.#frames.length;
  }

  /** Whether adding `frame` keeps the message within `maxBytes`. */
  fits(frame: Uint8Array, maxBytes: number): boolean {
    return frameFits(frame, maxBytes - this.#bytes);
  }

  push(frame: Uint8Array): void {
    this.#frames.push(frame);
    this.#bytes += FRAME_PREFIX_BYTES + frame.length;
  }

  /** The message carrying every frame gathered; the batch is empty afterwards. */
  take(): Uint8Array {
    const message = coalesceFrames(this.#frames, this.#bytes);
    this.#frames = [];
    this.#bytes = 0;
    return message;
  }

  /** Forgets what was gathered (its calls have already failed). */
  clear(): void {
    this.#frames = [];
    this.#bytes = 0;
  }
}

/** Whether `frame` can travel alone in a message of at most `maxBytes`. */
export function frameFits(frame: Uint8Array, maxBytes: number): boolean {
  return FRAME_PREFIX_BYTES + frame.length <= maxBytes;
}

/**
 * The frames of one batched message, as views into it (no copy). Throws ProtocolError when a
 * length runs past the end, before any frame is handed out, so a broken message is dropped whole.
 */
export function splitFrames(message: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at < message.length) {
    if (message.length - at < FRAME_PREFIX_BYTES) {
      throw new ProtocolError('ERR_PACKET_TRUNCATED', `message ends inside a frame length at byte ${at}`);
    }
    const end = at + FRAME_PREFIX_BYTES + readUint32BE(message, at);
    if (end > message.length) {
      throw new ProtocolError('ERR_PACKET_TRUNCATED', `frame at byte ${at} runs past the message's ${message.length} bytes`);
    }
    frames.push(message.subarray(at + FRAME_PREFIX_BYTES, end));
    at = end;
  }
  return frames;
}
