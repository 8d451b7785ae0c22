import { readUint32BE, utf8Decode } from '../wire/bytes.js';
import { ProtocolError } from '../wire/errors.js';
import type { Extra } from './call.js';
import { ENVELOPE_HEADER_SIZE, Flags, KINDS_BY_CODE, type Envelope } from './envelope.js';
import { isRpcCode, type RpcCode } from './errors.js';
import { ByteReader } from './varint.js';

/*
 * Hot path: every received frame is decoded here. The header is read first and checked against the
 * kind before anything else; strings are decoded straight from the frame and the session and body
 * are views into it (no copies), so the frame must not be reused by the transport afterwards.
 * Every malformed input throws ProtocolError and nothing else.
 */

const OPTIONAL_FIELDS = Flags.route | Flags.code | Flags.timeout | Flags.extra | Flags.session;

/** Decodes one frame into an envelope; throws ProtocolError on malformed input. */
export function decodeEnvelope(frame: Uint8Array): Envelope {
  if (frame.length < ENVELOPE_HEADER_SIZE) {
    throw new ProtocolError('ERR_MESSAGE_TRUNCATED', `envelope of ${frame.length} bytes is shorter than its header`);
  }
  const flags = frame[0]!;
  const kind = KINDS_BY_CODE[flags & Flags.kindMask];
  if (kind === undefined) throw new ProtocolError('ERR_MESSAGE_TYPE', `envelope kind ${flags & Flags.kindMask}`);
  const isRequest = kind === 'request' || kind === 'oneway';
  if (isRequest && (flags & (Flags.route | Flags.code)) === 0) {
    throw new ProtocolError('ERR_BODY_INVALID', 'request names neither a route nor a route code');
  }
  if (!isRequest && (flags & OPTIONAL_FIELDS) !== 0) {
    throw new ProtocolError('ERR_BODY_INVALID', `${kind} envelope with request-only fields`);
  }
  const id = readUint32BE(frame, 1);
  const r = new ByteReader(frame, ENVELOPE_HEADER_SIZE);
  const route = flags & Flags.route ? readString(r, 'route') : undefined;
  const code = flags & Flags.code ? r.varint() : undefined;
  const timeoutMs = flags & Flags.timeout ? r.varint() : undefined;
  const extra = flags & Flags.extra ? readExtra(r) : undefined;
  const session = flags & Flags.session ? readBytes(r, 'session') : undefined;
  const body = frame.subarray(r.offset);
  if (kind === 'cancel' && body.length !== 0) throw new ProtocolError('ERR_BODY_INVALID', 'cancel with a body');
  return { kind, id, route, code, timeoutMs, extra, session, body };
}

/** The wire form of an RpcError, as an error reply's body carries it. */
export interface ErrorBody {
  code: RpcCode;
  message: string;
}

/**
 * Decodes an error reply's body. A code outside the closed set (a newer peer) becomes `internal`
 * with the message kept, as RpcError.fromJSON does; truncation throws ProtocolError.
 */
export function decodeErrorBody(body: Uint8Array): ErrorBody {
  const r = new ByteReader(body);
  const code = readString(r, 'error code');
  const message = utf8Decode(body, r.offset, body.length);
  return isRpcCode(code) ? { code, message } : { code: 'internal', message: message || code };
}

function readString(r: ByteReader, what: string): string {
  const n = r.length(what);
  const s = utf8Decode(r.bytes, r.offset, r.offset + n);
  r.offset += n;
  return s;
}

function readBytes(r: ByteReader, what: string): Uint8Array {
  const n = r.length(what);
  const out = r.bytes.subarray(r.offset, r.offset + n);
  r.offset += n;
  return out;
}

function readExtra(r: ByteReader): Extra {
  const count = r.varint();
  // Each pair takes at least two bytes, so a count the frame cannot hold fails before any work.
  if (count * 2 > r.remaining) throw new ProtocolError('ERR_MESSAGE_TRUNCATED', `extra count ${count} past the end`);
  const extra: Extra = {};
  for (let i = 0; i < count; i++) {
    const key = readString(r, 'extra key');
    const value = readString(r, 'extra value');
    // A wire key "__proto__" must become a plain property, not a prototype change.
    if (key === '__proto__') Object.defineProperty(extra, key, { value, enumerable: true, writable: true, configurable: true });
    else extra[key] = value;
  }
  return extra;
}
