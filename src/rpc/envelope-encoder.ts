import { allocBytes, utf8Length, utf8Write, writeUint32BE } from '../wire/bytes.js';
import type { Extra } from './call.js';
import { ENVELOPE_HEADER_SIZE, Flags, KIND_CODES, type Envelope } from './envelope.js';
import type { RpcCode } from './errors.js';
import { varintSize, writeVarint } from './varint.js';

/*
 * Hot path: every call and every reply passes through encodeEnvelope. It measures first and then
 * writes into one buffer of the exact size (pooled by Node for small sizes), so an envelope costs a
 * single allocation and one copy of the body, with no intermediate arrays or string buffers.
 */

/** Encodes an envelope into a new byte array (the frame a transport sends). */
export function encodeEnvelope(env: Envelope): Uint8Array {
  let flags = KIND_CODES[env.kind];
  let size = ENVELOPE_HEADER_SIZE + env.body.length;
  let routeBytes = 0;
  if (env.route !== undefined) {
    flags |= Flags.route;
    routeBytes = utf8Length(env.route);
    size += varintSize(routeBytes) + routeBytes;
  }
  if (env.code !== undefined) {
    flags |= Flags.code;
    size += varintSize(checkUint32(env.code, 'route code'));
  }
  if (env.timeoutMs !== undefined) {
    flags |= Flags.timeout;
    size += varintSize(clampTimeout(env.timeoutMs));
  }
  if (env.extra !== undefined && hasKeys(env.extra)) {
    flags |= Flags.extra;
    size += extraSize(env.extra);
  }
  if (env.session !== undefined) {
    flags |= Flags.session;
    size += varintSize(env.session.length) + env.session.length;
  }
  const out = allocBytes(size);
  out[0] = flags;
  writeUint32BE(out, checkUint32(env.id, 'call id'), 1);
  let at = ENVELOPE_HEADER_SIZE;
  if (flags & Flags.route) {
    at = writeVarint(out, routeBytes, at);
    at += utf8Write(out, env.route!, at);
  }
  if (flags & Flags.code) at = writeVarint(out, env.code!, at);
  if (flags & Flags.timeout) at = writeVarint(out, clampTimeout(env.timeoutMs!), at);
  if (flags & Flags.extra) at = writeExtra(out, env.extra!, at);
  if (flags & Flags.session) {
    at = writeVarint(out, env.session!.length, at);
    out.set(env.session!, at);
    at += env.session!.length;
  }
  out.set(env.body, at);
  return out;
}

/** Encodes an error reply's body: the code, then the message. */
export function encodeErrorBody(code: RpcCode, message: string): Uint8Array {
  const codeBytes = utf8Length(code);
  const out = allocBytes(varintSize(codeBytes) + codeBytes + utf8Length(message));
  let at = writeVarint(out, codeBytes, 0);
  at += utf8Write(out, code, at);
  utf8Write(out, message, at);
  return out;
}

function checkUint32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new RangeError(`${what} ${v} is not a uint32`);
  return v;
}

/** Deadlines travel as whole milliseconds, at least 1 (0 would read as "already late"). */
function clampTimeout(ms: number): number {
  if (!(ms > 1)) return 1;
  return ms >= 0xffff_ffff ? 0xffff_ffff : Math.ceil(ms);
}

function hasKeys(extra: Extra): boolean {
  for (const _ in extra) return true;
  return false;
}

function extraSize(extra: Extra): number {
  let count = 0;
  let size = 0;
  for (const key in extra) {
    if (!Object.hasOwn(extra, key)) continue;
    const value = extra[key];
    if (typeof value !== 'string') throw new TypeError(`extra["${key}"] must be a string`);
    const k = utf8Length(key);
    const v = utf8Length(value);
    size += varintSize(k) + k + varintSize(v) + v;
    count++;
  }
  return varintSize(count) + size;
}

function writeExtra(out: Uint8Array, extra: Extra, at: number): number {
  let count = 0;
  for (const key in extra) if (Object.hasOwn(extra, key)) count++;
  at = writeVarint(out, count, at);
  for (const key in extra) {
    if (!Object.hasOwn(extra, key)) continue;
    at = writeString(out, key, at);
    at = writeString(out, extra[key]!, at);
  }
  return at;
}

function writeString(out: Uint8Array, s: string, at: number): number {
  const at2 = writeVarint(out, utf8Length(s), at);
  return at2 + utf8Write(out, s, at2);
}
