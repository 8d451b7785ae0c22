/**
 * The bodies the workloads send, all 64 bytes as the issue specifies, and the send-time stamp the
 * broadcast workload carries in its pushes. Stamps use the system-wide monotonic clock
 * (CLOCK_MONOTONIC through `process.hrtime`), which every process on the machine shares, so a
 * receiver in another process can subtract them.
 */

/** Size of every request and push body, in bytes. */
export const BODY_BYTES = 64;

/** Text of the round-trip and RPC arguments: 53 characters make the JSON body 64 bytes, 62 the protobuf one. */
export function benchText(length: number): string {
  return 'switchyard-benchmark-'.padEnd(length, 'abcdefghijklmnopqrstuvwxyz0123456789');
}

/** The round trip's JSON request body, `{"text":"…"}`, exactly 64 bytes. */
export function jsonRequestBody(): Uint8Array {
  const bytes = Buffer.from(JSON.stringify({ text: benchText(53) }), 'utf8');
  if (bytes.length !== BODY_BYTES) throw new Error(`JSON body is ${bytes.length} bytes, not ${BODY_BYTES}`);
  return bytes;
}

/** The text whose protobuf encoding (`{ text }` as field 1) is exactly 64 bytes. */
export const IDL_TEXT = benchText(62);

/** The RPC workload's argument text (64 bytes of UTF-8). */
export const RPC_TEXT = benchText(64);

/**
 * Microseconds on the system-wide monotonic clock (CLOCK_MONOTONIC). `process.hrtime()` rather than
 * `performance.now()`: the latter drifts from it by a few ms per minute on some machines, which
 * would show up as skew between two processes' readings.
 */
export function monotonicMicros(): number {
  const [seconds, nanos] = process.hrtime();
  return seconds * 1e6 + nanos / 1000;
}

const STAMP_DIGITS = 16;
const SEQ_DIGITS = 6;
/** Where the stamp's digits start inside a stamped body: after `{"t":"`. */
const STAMP_OFFSET = 6;
const PAD = 'x'.repeat(BODY_BYTES - 44);

/** A 64-byte JSON push body carrying its send time: `{"t":"<µs>","n":"<seq>","p":"xx…"}`. */
export function stampedBody(seq: number): Buffer {
  const t = String(Math.round(monotonicMicros())).padStart(STAMP_DIGITS, '0');
  const n = String(seq % 10 ** SEQ_DIGITS).padStart(SEQ_DIGITS, '0');
  return Buffer.from(`{"t":"${t}","n":"${n}","p":"${PAD}"}`, 'latin1');
}

/**
 * Reads the send time of a stamped body starting at `offset` in `bytes`, in µs; NaN if the bytes
 * there are not a stamp. Hot path of the broadcast generator: no string or object per push.
 */
export function readStamp(bytes: Uint8Array, offset: number): number {
  let value = 0;
  const start = offset + STAMP_OFFSET;
  if (start + STAMP_DIGITS > bytes.length) return Number.NaN;
  for (let i = start; i < start + STAMP_DIGITS; i++) {
    const digit = bytes[i]! - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}
