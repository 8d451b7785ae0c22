/**
 * Reads the protobuf wire format, bounds-checked. Every malformed input (truncation, a length past
 * the end of its message, a bad wire type, nesting too deep) throws ProtocolError('ERR_BODY_INVALID')
 * and nothing else; no allocation is sized from a length field before the bytes are known to be
 * there. Nested messages narrow the readable window with enter()/leave(), so a field can never run
 * past the end of the message that holds it.
 */
import { latin1Decode, utf8Decode } from './bytes.js';
import { ProtocolError } from './errors.js';
import { HALVES, HI, INT64, LO, UINT64 } from './int64-cell.js';

/** Limits of a {@link ProtoReader}. */
export interface ProtoReaderOptions {
  /** Deepest nesting of messages (and groups) accepted. Default 100, as in protobuf. */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 100;
/**
 * Longest string cut out of {@link TEXT_WINDOW}: V8 copies a substring shorter than 13 characters
 * (longer ones are slices that would keep the whole window alive as long as they live).
 */
const SHORT_TEXT = 12;
/** Bytes of the message decoded at once, one character per byte, for the short strings in them. */
const TEXT_WINDOW = 2048;

/** Thrown for every malformed input. */
function invalid(detail: string): ProtocolError {
  return new ProtocolError('ERR_BODY_INVALID', detail);
}

/** Cursor over one protobuf-encoded message. */
export class ProtoReader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  readonly #maxDepth: number;
  #pos = 0;
  /** End of the innermost message being read. */
  #limit: number;
  #depth = 0;
  /** The high 32 bits of the last 64-bit varint read (the low bits are returned). */
  #hi = 0;
  /** The bytes from #textStart on as latin1 text, made by the first short string that needs them. */
  #text = '';
  #textStart = 0;

  constructor(bytes: Uint8Array, options: ProtoReaderOptions = {}) {
    this.#buf = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#limit = bytes.length;
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  /** Offset of the next byte to read. */
  get pos(): number {
    return this.#pos;
  }

  /** Whether the current message has been read to its end. */
  done(): boolean {
    return this.#pos >= this.#limit;
  }

  /** Reads a field key; rejects field number 0. */
  tag(): number {
    const tag = this.uint32();
    if (tag >>> 3 === 0) throw invalid(`field number 0 at offset ${this.#pos}`);
    return tag;
  }

  /** Unsigned 32-bit varint (the low 32 bits of up to ten bytes). */
  uint32(): number {
    return this.#varint() >>> 0;
  }

  /** Signed 32-bit varint (negative values arrive as ten-byte varints). */
  int32(): number {
    return this.#varint() | 0;
  }

  /** Zigzag-encoded signed 32-bit varint. */
  sint32(): number {
    const v = this.#varint() >>> 0;
    return (v >>> 1) ^ -(v & 1);
  }

  /** Unsigned 64-bit varint. */
  uint64(): bigint {
    HALVES[LO] = this.#varint();
    HALVES[HI] = this.#hi;
    return UINT64[0]!;
  }

  /** Signed 64-bit varint. */
  int64(): bigint {
    HALVES[LO] = this.#varint();
    HALVES[HI] = this.#hi;
    return INT64[0]!;
  }

  /** Zigzag-encoded signed 64-bit varint. */
  sint64(): bigint {
    const u = this.uint64();
    return (u >> 1n) ^ -(u & 1n);
  }

  /** Varint read as a boolean: anything but zero is true. */
  bool(): boolean {
    const lo = this.#varint();
    return lo !== 0 || this.#hi !== 0;
  }

  /** Little-endian unsigned 32 bits. */
  fixed32(): number {
    const at = this.#take(4);
    return this.#view.getUint32(at, true);
  }

  /** Little-endian signed 32 bits. */
  sfixed32(): number {
    const at = this.#take(4);
    return this.#view.getInt32(at, true);
  }

  /** Little-endian unsigned 64 bits. */
  fixed64(): bigint {
    const at = this.#take(8);
    return this.#view.getBigUint64(at, true);
  }

  /** Little-endian signed 64 bits. */
  sfixed64(): bigint {
    const at = this.#take(8);
    return this.#view.getBigInt64(at, true);
  }

  /** IEEE 754 single precision. */
  float(): number {
    const at = this.#take(4);
    return this.#view.getFloat32(at, true);
  }

  /** IEEE 754 double precision. */
  double(): number {
    const at = this.#take(8);
    return this.#view.getFloat64(at, true);
  }

  /** Length-delimited bytes, copied so the result never aliases the input buffer. */
  bytes(): Uint8Array {
    const len = this.#length();
    const at = this.#take(len);
    const out = new Uint8Array(len);
    out.set(this.#buf.subarray(at, at + len));
    return out;
  }

  /**
   * Length-delimited UTF-8 text (invalid sequences become U+FFFD, as in protobuf's JS runtimes).
   * Hot path: a short ASCII string is cut out of a window of the message decoded once as latin1,
   * so the short strings of a message (map keys, tags) share one call into native code.
   */
  string(): string {
    const len = this.#length();
    const at = this.#take(len);
    if (len === 0) return '';
    const buf = this.#buf;
    const end = at + len;
    if (len <= SHORT_TEXT) {
      let i = at;
      while (i < end && buf[i]! < 0x80) i++;
      if (i === end) {
        if (at < this.#textStart || end > this.#textStart + this.#text.length) {
          this.#textStart = at;
          this.#text = latin1Decode(buf, at, Math.min(buf.length, at + TEXT_WINDOW));
        }
        return this.#text.substring(at - this.#textStart, end - this.#textStart);
      }
    }
    return utf8Decode(buf, at, end);
  }

  /**
   * Enters a length-delimited section (nested message, packed field, map entry): reads its length,
   * checks it fits, and narrows reading to it. Returns the outer limit to hand to leave().
   */
  enter(): number {
    const len = this.#length();
    if (len > this.#limit - this.#pos) {
      throw invalid(`length ${len} at offset ${this.#pos} exceeds the ${this.#limit - this.#pos} bytes left`);
    }
    if (++this.#depth > this.#maxDepth) throw invalid(`messages nested deeper than ${this.#maxDepth}`);
    const outer = this.#limit;
    this.#limit = this.#pos + len;
    return outer;
  }

  /** Leaves the section entered by the enter() that returned `outer`. */
  leave(outer: number): void {
    if (this.#pos !== this.#limit) throw invalid(`nested message ended at ${this.#pos}, not ${this.#limit}`);
    this.#limit = outer;
    this.#depth--;
  }

  /** Reads one nested message with `read`, which must read to the end of it. */
  nested<T>(read: (reader: ProtoReader) => T): T {
    const outer = this.enter();
    const value = read(this);
    this.leave(outer);
    return value;
  }

  /** Skips the value of an unknown field whose key was `tag`. */
  skip(tag: number): void {
    switch (tag & 7) {
      case 0:
        this.#varint();
        return;
      case 1:
        this.#take(8);
        return;
      case 2:
        this.#take(this.#length());
        return;
      case 5:
        this.#take(4);
        return;
      case 3:
        this.#skipGroup(tag >>> 3);
        return;
      default:
        throw invalid(`wire type ${tag & 7} of field ${tag >>> 3} at offset ${this.#pos}`);
    }
  }

  /** Skips a (deprecated) group up to its matching end-group key. */
  #skipGroup(field: number): void {
    if (++this.#depth > this.#maxDepth) throw invalid(`groups nested deeper than ${this.#maxDepth}`);
    for (;;) {
      if (this.done()) throw invalid(`group ${field} not closed`);
      const tag = this.tag();
      if ((tag & 7) === 4) {
        if (tag >>> 3 !== field) throw invalid(`group ${field} closed by end-group ${tag >>> 3}`);
        this.#depth--;
        return;
      }
      this.skip(tag);
    }
  }

  /** Reserves `n` bytes of the current message and returns their offset. */
  #take(n: number): number {
    const at = this.#pos;
    if (n > this.#limit - at) throw invalid(`${n} bytes needed at offset ${at}, ${this.#limit - at} left`);
    this.#pos = at + n;
    return at;
  }

  /** A length prefix: a varint that must fit in 32 bits. */
  #length(): number {
    const lo = this.#varint() >>> 0;
    if (this.#hi !== 0 || lo > 0x7fffffff) throw invalid(`length too large at offset ${this.#pos}`);
    return lo;
  }

  /**
   * Reads a varint of at most ten bytes, returns its low 32 bits and leaves the high 32 in #hi.
   * Hot path: one-byte varints (small ints, most tags) return after a single comparison.
   */
  #varint(): number {
    const buf = this.#buf;
    const limit = this.#limit;
    let pos = this.#pos;
    if (pos < limit && buf[pos]! < 128) {
      this.#pos = pos + 1;
      this.#hi = 0;
      return buf[pos]!;
    }
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= limit) throw invalid(`varint truncated at offset ${pos}`);
      const b = buf[pos++]!;
      if (i < 4) lo |= (b & 127) << (7 * i);
      else if (i === 4) {
        lo |= (b & 127) << 28;
        hi = (b & 127) >>> 4;
      } else hi |= (b & 127) << (7 * i - 32);
      if (b < 128) {
        this.#pos = pos;
        this.#hi = hi >>> 0;
        return lo;
      }
    }
    throw invalid(`varint longer than ten bytes at offset ${this.#pos}`);
  }
}
