/**
 * Writes the protobuf wire format into one growing buffer. Nested messages use fork/ldelim: fork
 * reserves one byte for the length, and ldelim shifts the body only when the length needs more than
 * one byte, so the common small message costs no copy. Runs in browsers too: Uint8Array and
 * DataView only, through the helpers of bytes.ts.
 */
import { allocBytes, EMPTY_BYTES, utf8Length, utf8Write } from './bytes.js';
import { HALVES, HI, INT64, LO } from './int64-cell.js';

/** Wire types of the protobuf encoding (the low three bits of a field tag). */
export const WireType = {
  VARINT: 0,
  I64: 1,
  LEN: 2,
  SGROUP: 3,
  EGROUP: 4,
  I32: 5,
} as const;

/** First size of a scratch buffer (see {@link ProtoWriter}). */
const SCRATCH_BYTES = 4096;
/** A scratch buffer that grew past this is dropped rather than kept for the next writer. */
const SCRATCH_KEEP_MAX = 64 * 1024;

/** Longest string (in UTF-16 units) whose UTF-8, at most 3 bytes a unit, fits a one-byte length. */
const SHORT_STRING_UNITS = 42;

/** A finished writer's scratch buffer, waiting for the next writer. */
let spareScratch: Uint8Array | undefined;

/**
 * Appends protobuf-encoded values; `finish()` returns the bytes written so far. Hot path: a writer
 * made without a size works in a scratch buffer kept from the last one (grown once, reused across
 * messages) and finish() copies out exactly the bytes written, so encoding a message costs one
 * right-sized allocation instead of a buffer that doubles its way up.
 */
export class ProtoWriter {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;
  /** Whether #buf is a scratch buffer: finish() copies the bytes out and keeps the buffer for reuse. */
  #scratch = false;
  /** Start offsets of the open fork()s (where their one-byte length placeholder sits). */
  #forks: number[] = [];

  /**
   * `initialSize`: the first buffer's length in bytes (it doubles as needed). Without it the writer
   * borrows the scratch buffer, or starts its own when another writer holds it (or never finished).
   */
  constructor(initialSize?: number) {
    if (initialSize === undefined) {
      this.#buf = spareScratch ?? allocBytes(SCRATCH_BYTES);
      this.#scratch = true;
      spareScratch = undefined;
    } else {
      this.#buf = allocBytes(Math.max(16, initialSize));
    }
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  /** Bytes written so far (including unfinished forks). */
  get length(): number {
    return this.#pos;
  }

  /** Field key: `(field << 3) | wireType`. */
  tag(field: number, wireType: number): this {
    return this.uint32(((field << 3) | wireType) >>> 0);
  }

  /** Unsigned 32-bit varint. Hot path: one byte for values below 128. */
  uint32(value: number): this {
    let v = value >>> 0;
    this.#reserve(5);
    const buf = this.#buf;
    let pos = this.#pos;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.#pos = pos;
    return this;
  }

  /** Signed 32-bit varint; negative values take ten bytes, as protobuf's int32 does. */
  int32(value: number): this {
    const v = value | 0;
    return v >= 0 ? this.uint32(v) : this.#varint64(v >>> 0, 0xffffffff);
  }

  /** Zigzag-encoded signed 32-bit varint. */
  sint32(value: number): this {
    const v = value | 0;
    return this.uint32(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /**
   * Unsigned 64-bit varint (taken modulo 2^64). Hot path: the value is split into 32-bit halves
   * through a BigInt64Array cell, which costs a few nanoseconds where `Number(value)` costs a
   * call into the runtime.
   */
  uint64(value: bigint): this {
    INT64[0] = value;
    return this.#varint64(HALVES[LO]!, HALVES[HI]!);
  }

  /** Signed 64-bit varint (two's complement, ten bytes when negative). */
  int64(value: bigint): this {
    return this.uint64(value);
  }

  /** Zigzag-encoded signed 64-bit varint. */
  sint64(value: bigint): this {
    const v = BigInt.asIntN(64, value);
    return this.uint64((v << 1n) ^ (v >> 63n));
  }

  /** Little-endian unsigned 32 bits. */
  fixed32(value: number): this {
    this.#reserve(4);
    this.#view.setUint32(this.#pos, value >>> 0, true);
    this.#pos += 4;
    return this;
  }

  /** Little-endian signed 32 bits. */
  sfixed32(value: number): this {
    return this.fixed32(value | 0);
  }

  /** Little-endian unsigned 64 bits. */
  fixed64(value: bigint): this {
    this.#reserve(8);
    this.#view.setBigUint64(this.#pos, BigInt.asUintN(64, value), true);
    this.#pos += 8;
    return this;
  }

  /** Little-endian signed 64 bits. */
  sfixed64(value: bigint): this {
    return this.fixed64(value);
  }

  /** IEEE 754 single precision, little-endian. */
  float(value: number): this {
    this.#reserve(4);
    this.#view.setFloat32(this.#pos, value, true);
    this.#pos += 4;
    return this;
  }

  /** IEEE 754 double precision, little-endian. */
  double(value: number): this {
    this.#reserve(8);
    this.#view.setFloat64(this.#pos, value, true);
    this.#pos += 8;
    return this;
  }

  /** Varint 1 or 0. */
  bool(value: boolean): this {
    this.#reserve(1);
    this.#buf[this.#pos++] = value ? 1 : 0;
    return this;
  }

  /** Length-delimited raw bytes. */
  bytes(value: Uint8Array): this {
    this.uint32(value.length);
    this.#reserve(value.length);
    this.#buf.set(value, this.#pos);
    this.#pos += value.length;
    return this;
  }

  /**
   * Length-delimited UTF-8 text. Hot path: a short string, whose UTF-8 surely fits a one-byte length,
   * is written straight behind that byte and the length filled in after. Its characters are copied
   * in JavaScript while they are ASCII, which for a short string costs less than the call into
   * native code; at the first other character the whole string is written again natively.
   */
  string(value: string): this {
    const units = value.length;
    if (units <= SHORT_STRING_UNITS) {
      this.#reserve(1 + 3 * units);
      const buf = this.#buf;
      const start = this.#pos + 1;
      let i = 0;
      while (i < units) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i++] = c;
      }
      const n = i === units ? units : utf8Write(buf, value, start);
      buf[start - 1] = n;
      this.#pos = start + n;
      return this;
    }
    const len = utf8Length(value);
    this.uint32(len);
    this.#reserve(len);
    this.#pos += utf8Write(this.#buf, value, this.#pos);
    return this;
  }

  /** Opens a length-delimited section (a nested message or a packed field); close it with ldelim(). */
  fork(): this {
    this.#reserve(1);
    this.#forks.push(this.#pos);
    this.#pos += 1;
    return this;
  }

  /** Closes the innermost fork(), writing its length in front of its body. */
  ldelim(): this {
    const start = this.#forks.pop();
    // A programming error in the caller, never caused by input: hence a plain RangeError.
    if (start === undefined) throw new RangeError('ProtoWriter.ldelim() without a matching fork()');
    const bodyStart = start + 1;
    const len = this.#pos - bodyStart;
    const size = varintSize(len);
    if (size > 1) {
      // Rare path: the body is 128 bytes or more, so the length needs more than the reserved byte.
      this.#reserve(size - 1);
      this.#buf.copyWithin(start + size, bodyStart, this.#pos);
      this.#pos += size - 1;
    }
    let v = len;
    let pos = start;
    while (v > 127) {
      this.#buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.#buf[pos] = v;
    return this;
  }

  /** The bytes written; the writer starts over empty afterwards. */
  finish(): Uint8Array {
    if (this.#forks.length > 0) throw new RangeError('ProtoWriter.finish() with an open fork()');
    const out = this.#scratch ? this.#copyOut() : this.#buf.subarray(0, this.#pos);
    // The bytes now belong to the caller; a new buffer is allocated only if the writer is used again.
    this.#buf = EMPTY_BYTES;
    this.#view = new DataView(EMPTY_BYTES.buffer);
    this.#pos = 0;
    return out;
  }

  /** Copies the bytes out of a scratch buffer and keeps the buffer for the next writer. */
  #copyOut(): Uint8Array {
    const out = allocBytes(this.#pos);
    out.set(this.#buf.subarray(0, this.#pos));
    if (!spareScratch && this.#buf.length <= SCRATCH_KEEP_MAX) spareScratch = this.#buf;
    this.#scratch = false;
    return out;
  }

  #varint64(lo: number, hi: number): this {
    this.#reserve(10);
    const buf = this.#buf;
    let pos = this.#pos;
    while (hi !== 0 || lo > 127) {
      buf[pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.#pos = pos;
    return this;
  }

  /** Makes room for `n` more bytes, doubling the buffer when it is full. */
  #reserve(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let size = Math.max(this.#buf.length * 2, 64);
    while (size < need) size *= 2;
    const next = allocBytes(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
}

/** Bytes a non-negative integer below 2^53 takes as a varint. */
export function varintSize(value: number): number {
  if (value < 128) return 1;
  if (value < 16384) return 2;
  if (value < 2097152) return 3;
  if (value < 268435456) return 4;
  let size = 4;
  let v = Math.floor(value / 268435456);
  while (v > 0) {
    size++;
    v = Math.floor(v / 128);
  }
  return size > 10 ? 10 : size;
}
