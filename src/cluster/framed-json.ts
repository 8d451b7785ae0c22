import { EMPTY_BYTES, readUint32BE, writeUint32BE } from '../wire/bytes.js';
import { allocBytes, ProtocolError, parseJsonBody, utf8Encode } from '../wire/index.js';

/**
 * A JSON header followed by opaque bytes: `[4-byte big-endian header length][header JSON][body]`.
 * Internal cluster messages use it so a forwarded body (JSON or protobuf) is never re-encoded.
 */
export function encodeFramedJson(header: unknown, body: Uint8Array): Uint8Array {
  const head = header === undefined ? EMPTY_BYTES : utf8Encode(JSON.stringify(header));
  const out = allocBytes(4 + head.length + body.length);
  writeUint32BE(out, head.length, 0);
  if (head.length > 0) out.set(head, 4);
  out.set(body, 4 + head.length);
  return out;
}

/** Splits what {@link encodeFramedJson} made; the body is a view, not a copy. */
export function decodeFramedJson(bytes: Uint8Array): { header: unknown; body: Uint8Array } {
  if (bytes.length < 4) throw new ProtocolError('ERR_MESSAGE_TRUNCATED', 'framed JSON shorter than its length');
  const len = readUint32BE(bytes, 0);
  if (4 + len > bytes.length) throw new ProtocolError('ERR_MESSAGE_TRUNCATED', 'framed JSON header runs past the end');
  const header = len === 0 ? undefined : parseJsonBody(bytes.subarray(4, 4 + len));
  return { header, body: bytes.subarray(4 + len) };
}
