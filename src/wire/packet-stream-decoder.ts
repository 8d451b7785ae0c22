import { allocBytes } from './bytes.js';
import { ProtocolError } from './errors.js';
import { isPacketType, PACKET_HEADER_SIZE, readPacketLength, type Packet, type PacketType } from './packet.js';

/** Decoder states: waiting for a 4-byte header, or for the body it announced. */
const enum State {
  Header,
  Body,
}

/**
 * Turns a byte stream (TCP) into packets, however the stream splits or joins them. It keeps the
 * received chunks as they are and joins them only when a whole packet is there, so a header that
 * announces a large body costs nothing until the bytes arrive. After an error it stays failed.
 */
export class PacketStreamDecoder {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #state = State.Header;
  #type: PacketType = 1;
  #bodyLength = 0;
  #failed = false;
  readonly #maxBodySize: number;

  /** @param maxBodySize Largest packet body accepted, in bytes. */
  constructor(maxBodySize: number) {
    this.#maxBodySize = maxBodySize;
  }

  /** Bytes held while waiting for the rest of a packet. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Feeds one chunk; calls `onPacket` for each whole packet. Throws ProtocolError on bad input. */
  push(chunk: Uint8Array, onPacket: (p: Packet) => void): void {
    if (this.#failed) throw new ProtocolError('ERR_STATE', 'decoder already failed');
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    try {
      this.#drain(onPacket);
    } catch (err) {
      this.#failed = true;
      this.#chunks = [];
      this.#buffered = 0;
      throw err;
    }
  }

  #drain(onPacket: (p: Packet) => void): void {
    for (;;) {
      if (this.#state === State.Header) {
        if (this.#buffered < PACKET_HEADER_SIZE) return;
        this.#readHeader();
      }
      if (this.#buffered < this.#bodyLength) return;
      const body = this.#take(this.#bodyLength);
      this.#state = State.Header;
      onPacket({ type: this.#type, body });
    }
  }

  #readHeader(): void {
    const header = this.#take(PACKET_HEADER_SIZE);
    const type = header[0]!;
    if (!isPacketType(type)) throw new ProtocolError('ERR_PACKET_TYPE', String(type));
    const length = readPacketLength(header, 0);
    if (length > this.#maxBodySize) throw new ProtocolError('ERR_PACKET_TOO_LARGE', `${length} > ${this.#maxBodySize}`);
    this.#type = type;
    this.#bodyLength = length;
    this.#state = State.Body;
  }

  /** Removes and returns the next `n` buffered bytes (a view when they sit in one chunk). */
  #take(n: number): Uint8Array {
    this.#buffered -= n;
    const first = this.#chunks[0];
    if (n === 0) return new Uint8Array(0);
    if (first!.length > n) {
      this.#chunks[0] = first!.subarray(n);
      return first!.subarray(0, n);
    }
    if (first!.length === n) {
      this.#chunks.shift();
      return first!;
    }
    // Copy straight into the result and drop the used chunks with one splice: shifting them off
    // one at a time is quadratic when a large body arrives in many tiny chunks.
    const out = allocBytes(n);
    let filled = 0;
    let used = 0;
    while (filled < n) {
      const c = this.#chunks[used]!;
      const need = n - filled;
      if (c.length <= need) {
        out.set(c, filled);
        filled += c.length;
        used++;
      } else {
        out.set(c.subarray(0, need), filled);
        this.#chunks[used] = c.subarray(need);
        filled = n;
      }
    }
    this.#chunks.splice(0, used);
    return out;
  }
}
