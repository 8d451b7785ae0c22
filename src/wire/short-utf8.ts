/**
 * UTF-8 for short strings in plain JavaScript. Hot path of the protobuf codecs: a message holds many
 * short strings (names, tags, map keys), and for those a loop over the characters is several times
 * cheaper than a call into Buffer's or TextEncoder's native code, whose fixed cost dominates.
 */
import { utf8Decode } from './bytes.js';

/** Longest string (in UTF-16 units) {@link writeShortUtf8} takes: 3 bytes each still fit one length byte. */
export const SHORT_STRING_UNITS = 42;

/** Longest byte run {@link readShortUtf8} decodes in JavaScript before handing over to the native decoder. */
export const SHORT_READ_BYTES = 64;

/**
 * Writes `s` (at most {@link SHORT_STRING_UNITS} units) as UTF-8 at `pos`; returns the bytes written.
 * `buf` must have room for `3 * s.length` bytes. A lone surrogate becomes U+FFFD, as Buffer writes it.
 */
export function writeShortUtf8(buf: Uint8Array, pos: number, s: string): number {
  const start = pos;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[pos++] = c;
    } else if (c < 0x800) {
      buf[pos++] = 0xc0 | (c >> 6);
      buf[pos++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        buf[pos++] = 0xf0 | (c >> 18);
        buf[pos++] = 0x80 | ((c >> 12) & 63);
        buf[pos++] = 0x80 | ((c >> 6) & 63);
        buf[pos++] = 0x80 | (c & 63);
      } else {
        buf[pos++] = 0xef;
        buf[pos++] = 0xbf;
        buf[pos++] = 0xbd;
      }
    } else {
      buf[pos++] = 0xe0 | (c >> 12);
      buf[pos++] = 0x80 | ((c >> 6) & 63);
      buf[pos++] = 0x80 | (c & 63);
    }
  }
  return pos - start;
}

/**
 * Decodes `buf[start, end)` as UTF-8. Short ASCII runs are decoded here; anything else (longer, or
 * holding a byte above 0x7f) goes to the native decoder, which also owns the U+FFFD rules.
 */
export function readShortUtf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start > SHORT_READ_BYTES) return utf8Decode(buf, start, end);
  let out = '';
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b > 0x7f) return utf8Decode(buf, start, end);
    out += String.fromCharCode(b);
  }
  return out;
}
