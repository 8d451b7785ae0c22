/**
 * Server-to-client WebSocket framing for small binary messages (RFC 6455 §5.2: FIN, binary
 * opcode, unmasked). Hot path: `ws` writes a frame as a header and a payload, two writes under
 * cork and a vectored syscall; for the small replies and pushes a gateway mostly sends (B1's are
 * under a hundred bytes), one buffer holding both goes out as one plain write. Larger payloads
 * stay with `ws` (no copy).
 */

/** Payloads up to this many bytes are framed here; larger ones go through `ws`. */
export const SMALL_FRAME_LIMIT = 16 * 1024;

/** A payload of at most {@link SMALL_FRAME_LIMIT} bytes in one unfragmented binary frame, header and payload in one buffer. */
export function binaryFrame(payload: Uint8Array): Buffer {
  const n = payload.length;
  if (n > SMALL_FRAME_LIMIT) throw new RangeError(`binaryFrame: ${n} bytes is over the ${SMALL_FRAME_LIMIT}-byte limit`);
  const head = n < 126 ? 2 : 4;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x82;
  if (head === 2) out[1] = n;
  else {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  }
  out.set(payload, head);
  return out;
}
