import { allocBytes, utf8Decode, utf8Length, utf8Write } from './bytes.js';
import { ProtocolError } from './errors.js';
import { PACKET_HEADER_SIZE, PacketType, writePacketHeader } from './packet.js';
import { MAX_ROUTE_CODE, type RouteDictionary } from './route-dictionary.js';

/** Message types carried in data packets. */
export const MessageType = {
  Request: 0,
  Notify: 1,
  Response: 2,
  Push: 3,
} as const;

/** One of {@link MessageType}. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Flag bit: the route is a 2-byte dictionary code. */
export const FLAG_ROUTE_CODE = 0x01;
/** Flag bit (pitaya): the body is gzip/zlib compressed. */
export const FLAG_COMPRESSED = 0x10;
/** Flag bit (pitaya): the response body is an error. */
export const FLAG_ERROR = 0x20;
/** Message ids stay below 2^28: pomelo's JS client decodes them with 32-bit shifts. */
export const MAX_MESSAGE_ID = 2 ** 28 - 1;
/** Routes are at most 255 UTF-8 bytes (1-byte length). */
export const MAX_ROUTE_BYTES = 255;

/** A decoded message. `body` is a view into the packet, never copied or parsed here. */
export interface Message {
  type: MessageType;
  /** Request/response id; 0 for notify and push. */
  id: number;
  /** The route, resolved from the dictionary when it came as a code; '' for responses. */
  route: string;
  /** The dictionary code when the route came compressed, else 0. */
  routeCode: number;
  /** Flag 0x10: body is compressed. */
  compressed: boolean;
  /** Flag 0x20: body is an error. */
  error: boolean;
  body: Uint8Array;
}

/** What to encode; a `routeCode` (> 0) is sent instead of the route text. */
export interface MessageSpec {
  type: MessageType;
  id?: number;
  route?: string;
  routeCode?: number;
  compressed?: boolean;
  error?: boolean;
  body?: Uint8Array;
}

function hasId(type: number): boolean {
  return type === MessageType.Request || type === MessageType.Response;
}

function hasRoute(type: number): boolean {
  return type !== MessageType.Response;
}

function varintLength(id: number): number {
  return id < 0x80 ? 1 : id < 0x4000 ? 2 : id < 0x200000 ? 3 : 4;
}

/** Bytes the header (flag, id, route) of `spec` takes, with the route's UTF-8 length if known. */
function headerLength(spec: MessageSpec, routeBytes: number): number {
  let n = 1;
  if (hasId(spec.type)) n += varintLength(spec.id ?? 0);
  if (hasRoute(spec.type)) n += spec.routeCode ? 2 : 1 + routeBytes;
  return n;
}

function checkSpec(spec: MessageSpec): number {
  const id = spec.id ?? 0;
  if (hasId(spec.type) && (!Number.isInteger(id) || id < 0 || id > MAX_MESSAGE_ID)) {
    throw new ProtocolError('ERR_MESSAGE_ID_RANGE', String(id));
  }
  if (!hasRoute(spec.type)) return 0;
  if (spec.routeCode) {
    // Only two bytes go on the wire: a larger (or fractional, or negative) code would be silently
    // mangled into some other route.
    if (!Number.isInteger(spec.routeCode) || spec.routeCode < 1 || spec.routeCode > MAX_ROUTE_CODE) {
      throw new ProtocolError('ERR_ROUTE_CODE_UNKNOWN', `${spec.routeCode} is outside 1..${MAX_ROUTE_CODE}`);
    }
    return 0;
  }
  const routeBytes = utf8Length(spec.route ?? '');
  if (routeBytes > MAX_ROUTE_BYTES) throw new ProtocolError('ERR_ROUTE_TOO_LONG', `${routeBytes} bytes`);
  return routeBytes;
}

/** Writes the message at `offset` into `out`, which has room for it. */
function writeMessage(out: Uint8Array, offset: number, spec: MessageSpec, routeBytes: number): void {
  let flag = (spec.type << 1) | (spec.routeCode ? FLAG_ROUTE_CODE : 0);
  if (spec.compressed) flag |= FLAG_COMPRESSED;
  if (spec.error) flag |= FLAG_ERROR;
  out[offset++] = flag;
  if (hasId(spec.type)) {
    let id = spec.id ?? 0;
    while (id >= 0x80) {
      out[offset++] = (id & 0x7f) | 0x80;
      id >>>= 7;
    }
    out[offset++] = id;
  }
  if (hasRoute(spec.type)) {
    if (spec.routeCode) {
      out[offset++] = (spec.routeCode >>> 8) & 0xff;
      out[offset++] = spec.routeCode & 0xff;
    } else {
      out[offset++] = routeBytes;
      if (routeBytes) utf8Write(out, spec.route!, offset);
      offset += routeBytes;
    }
  }
  if (spec.body) out.set(spec.body, offset);
}

/** Encodes a message (the body of a data packet). */
export function encodeMessage(spec: MessageSpec): Uint8Array {
  const routeBytes = checkSpec(spec);
  const bodyLength = spec.body ? spec.body.length : 0;
  const out = allocBytes(headerLength(spec, routeBytes) + bodyLength);
  writeMessage(out, 0, spec, routeBytes);
  return out;
}

/**
 * Encodes a message already wrapped in its data packet, in one allocation.
 * Hot path: every response and push goes through here, so no intermediate buffers.
 */
export function encodeMessagePacket(spec: MessageSpec): Uint8Array {
  const routeBytes = checkSpec(spec);
  const messageLength = headerLength(spec, routeBytes) + (spec.body ? spec.body.length : 0);
  const out = allocBytes(PACKET_HEADER_SIZE + messageLength);
  writePacketHeader(out, 0, PacketType.Data, messageLength);
  writeMessage(out, PACKET_HEADER_SIZE, spec, routeBytes);
  return out;
}

/**
 * Decodes a message header and returns the body as a view. A compressed route must be in `dict`.
 * Throws ProtocolError on any malformed input.
 */
export function decodeMessage(bytes: Uint8Array, dict?: RouteDictionary): Message {
  const len = bytes.length;
  if (len < 1) throw new ProtocolError('ERR_MESSAGE_TRUNCATED', 'empty message');
  const flag = bytes[0]!;
  const type = (flag >> 1) & 0x7;
  if (type > MessageType.Push) throw new ProtocolError('ERR_MESSAGE_TYPE', String(type));
  let offset = 1;
  let id = 0;
  if (hasId(type)) {
    let shift = 0;
    for (;;) {
      if (offset >= len) throw new ProtocolError('ERR_MESSAGE_TRUNCATED', 'inside message id');
      const b = bytes[offset++]!;
      id += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
      if (shift >= 28) throw new ProtocolError('ERR_MESSAGE_ID_RANGE', 'id longer than 4 bytes');
    }
  }
  let route = '';
  let routeCode = 0;
  if (hasRoute(type)) {
    if (flag & FLAG_ROUTE_CODE) {
      if (offset + 2 > len) throw new ProtocolError('ERR_MESSAGE_TRUNCATED', 'inside route code');
      routeCode = (bytes[offset]! << 8) | bytes[offset + 1]!;
      offset += 2;
      const known = dict?.routeOf(routeCode);
      if (known === undefined) throw new ProtocolError('ERR_ROUTE_CODE_UNKNOWN', String(routeCode));
      route = known;
    } else {
      if (offset >= len) throw new ProtocolError('ERR_MESSAGE_TRUNCATED', 'inside route');
      const routeLength = bytes[offset++]!;
      if (offset + routeLength > len) throw new ProtocolError('ERR_MESSAGE_TRUNCATED', 'inside route');
      route = routeLength ? utf8Decode(bytes, offset, offset + routeLength) : '';
      offset += routeLength;
    }
  }
  return {
    type: type as MessageType,
    id,
    route,
    routeCode,
    compressed: (flag & FLAG_COMPRESSED) !== 0,
    error: (flag & FLAG_ERROR) !== 0,
    body: bytes.subarray(offset),
  };
}
