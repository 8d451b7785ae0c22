import { ProtocolError } from '../wire/errors.js';

/**
 * Base-128 varints for uint32 values (low 7 bits first, at most 5 bytes), used by the envelope for
 * lengths and codes: most are below 128 and take one byte.
 */

/** Bytes `value` (a uint32) takes as a varint. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  return 5;
}

/** Writes `value` (a uint32) at `offset`; returns the offset after it. */
export function writeVarint(target: Uint8Array, value: number, offset: number): number {
  let v = value;
  while (v >= 0x80) {
    target[offset++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  target[offset++] = v;
  return offset;
}

/**
 * A forward-only reader over one frame. Every read checks bounds first and throws ProtocolError,
 * so a decoder built on it cannot read past the frame or fail with anything untyped.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  offset: number;
  readonly end: number;

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.offset = offset;
    this.end = bytes.length;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.end - this.offset;
  }

  /** Reads a uint32 varint; more than 5 bytes or a value above 2^32-1 is an error. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw new ProtocolError('ERR_MESSAGE_TRUNCATED', 'frame ended inside a varint');
      const b = this.bytes[this.offset++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > 0xffff_ffff) break;
        return result;
      }
      scale *= 128;
    }
    throw new ProtocolError('ERR_BODY_INVALID', 'varint longer than 32 bits');
  }

  /** Reads a varint length and checks that many bytes are there; returns the length. */
  length(what: string): number {
    const n = this.varint();
    if (n > this.remaining) throw new ProtocolError('ERR_MESSAGE_TRUNCATED', `${what} length ${n} past the end`);
    return n;
  }
}
