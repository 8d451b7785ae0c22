import { concatBytes, readUint32BE } from '../wire/bytes.js';
import { ProtocolError } from '../wire/errors.js';

/** Default largest frame, in bytes: 16 MiB, far above any sane call and small enough to refuse abuse. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Bytes of the big-endian length that precedes each frame on a stream. */
export const FRAME_PREFIX_BYTES = 4;

/** Decoder states, named as the `ws` parser names its own. */
const State = {
  /** Reading the 4-byte length (it may arrive split over several chunks). */
  Length: 0,
  /** Collecting the frame's bytes. */
  Payload: 1,
  /** A limit or rule was broken; every later push throws. */
  Failed: 2,
} as const;
type State = (typeof State)[keyof typeof State];

/** Options of a {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest frame accepted, in bytes; a larger length fails at once. Default 16 MiB. */
  maxFrameBytes?: number;
}

/**
 * Turns a byte stream into length-prefixed frames (4-byte big-endian length, then the bytes), however
 * the stream splits or coalesces them. A length is checked against the limit as soon as its 4 bytes
 * are in, and nothing is allocated from it: the pieces of a frame are kept as they arrive and joined
 * once it is complete, so a peer that announces 16 MiB and sends 1 byte costs 1 byte.
 *
 * Hot path: a frame wholly inside one chunk is handed out as a view of that chunk, without a copy.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  readonly #onFrame: (frame: Uint8Array) => void;
  #state: State = State.Length;
  #length = 0;
  #lengthBytes = 0;
  #pieces: Uint8Array[] = [];
  #have = 0;

  constructor(onFrame: (frame: Uint8Array) => void, options: FrameDecoderOptions = {}) {
    this.#onFrame = onFrame;
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes held for a frame not yet complete. */
  get bufferedBytes(): number {
    return this.#have + this.#lengthBytes;
  }

  /** Feeds one chunk, emitting each completed frame; throws ProtocolError on a broken rule. */
  push(chunk: Uint8Array): void {
    if (this.#state === State.Failed) throw new ProtocolError('ERR_STATE', 'frame decoder already failed');
    let at = 0;
    while (at < chunk.length) {
      if (this.#state === State.Length) at = this.#readLength(chunk, at);
      else at = this.#readPayload(chunk, at);
    }
  }

  #readLength(chunk: Uint8Array, at: number): number {
    if (this.#lengthBytes === 0 && chunk.length - at >= FRAME_PREFIX_BYTES) {
      this.#length = readUint32BE(chunk, at);
      at += FRAME_PREFIX_BYTES;
    } else {
      while (this.#lengthBytes < FRAME_PREFIX_BYTES && at < chunk.length) {
        this.#length = this.#length * 256 + chunk[at++]!;
        this.#lengthBytes++;
      }
      if (this.#lengthBytes < FRAME_PREFIX_BYTES) return at;
      this.#lengthBytes = 0;
    }
    if (this.#length > this.#maxFrameBytes) {
      this.#fail();
      throw new ProtocolError('ERR_PACKET_TOO_LARGE', `frame of ${this.#length} bytes; the limit is ${this.#maxFrameBytes}`);
    }
    this.#state = State.Payload;
    if (this.#length === 0) this.#emit(new Uint8Array(0));
    return at;
  }

  #readPayload(chunk: Uint8Array, at: number): number {
    const need = this.#length - this.#have;
    const available = chunk.length - at;
    if (this.#have === 0 && available >= need) {
      this.#emit(chunk.subarray(at, at + need));
      return at + need;
    }
    const take = Math.min(need, available);
    this.#pieces.push(chunk.subarray(at, at + take));
    this.#have += take;
    if (this.#have === this.#length) {
      const frame = concatBytes(this.#pieces, this.#length);
      this.#pieces = [];
      this.#have = 0;
      this.#emit(frame);
    }
    return at + take;
  }

  #emit(frame: Uint8Array): void {
    this.#state = State.Length;
    this.#length = 0;
    this.#onFrame(frame);
  }

  #fail(): void {
    this.#state = State.Failed;
    this.#pieces = [];
    this.#have = 0;
  }
}
