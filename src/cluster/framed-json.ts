import { EMPTY_BYTES } from '../wire/bytes.js';
import { allocBytes, ProtocolError, parseJsonBody, utf8Encode } from '../wire/index.js';

/**
 * A JSON header followed by opaque bytes: `[4-byte big-endian header length][header JSON][body]`.
 * Internal cluster messages use it so a forwarded body (JSON or protobuf) is never re-encoded.
 */
export function encodeFramedJson(header: unknown, body: Uint8Array): Uint8Array {
  const head = header === undefined ? EMPTY_BYTES : utf8Encode(JSON.stringify(header));
  const out = allocBytes(4 + head.length + body.length);
  writeUint32(out, head.length);
  if (head.length > 0) out.set(head, 4);
  out.set(body, 4 + head.length);
  return out;
}

/** Splits what {@link encodeFramedJson} made; the body is a view, not a copy. */
export function decodeFramedJson(bytes: Uint8Array): { header: unknown; body: Uint8Array } {
  if (bytes.length < 4) throw new ProtocolError('ERR_MESSAGE_TRUNCATED', 'framed JSON shorter than its length');
  const len = readUint32(bytes);
  if (4 + len > bytes.length) throw new ProtocolError('ERR_MESSAGE_TRUNCATED', 'framed JSON header runs past the end');
  const header = len === 0 ? undefined : parseJsonBody(bytes.subarray(4, 4 + len));
  return { header, body: bytes.subarray(4 + len) };
}

// Hot path (every forwarded reply): the length is read and written by hand, without a DataView per call.
function writeUint32(out: Uint8Array, v: number): void {
  out[0] = v >>> 24;
  out[1] = (v >>> 16) & 0xff;
  out[2] = (v >>> 8) & 0xff;
  out[3] = v & 0xff;
}

function readUint32(bytes: Uint8Array): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}
