import { allocBytes } from './bytes.js';
import { ProtocolError } from './errors.js';

/** Packet types of the pomelo client protocol. */
export const PacketType = {
  Handshake: 1,
  HandshakeAck: 2,
  Heartbeat: 3,
  Data: 4,
  Kick: 5,
} as const;

/** One of {@link PacketType}. */
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/** Bytes before a packet body: 1 type byte + 3 length bytes. */
export const PACKET_HEADER_SIZE = 4;

/** Largest body the 3-byte length field can describe. */
export const PACKET_MAX_BODY = 0xffffff;

/** Default maximum packet body a peer may send: 64 KiB. */
export const DEFAULT_MAX_PACKET_SIZE = 64 * 1024;

/** A decoded packet; `body` is a view into the received bytes, not a copy. */
export interface Packet {
  type: PacketType;
  body: Uint8Array;
}

/** Whether `t` is a packet type this protocol knows. */
export function isPacketType(t: number): t is PacketType {
  return t >= PacketType.Handshake && t <= PacketType.Kick;
}

/** Writes a packet header at `offset` (callers fill the body after it). */
export function writePacketHeader(out: Uint8Array, offset: number, type: PacketType, bodyLength: number): void {
  if (bodyLength > PACKET_MAX_BODY) throw new ProtocolError('ERR_PACKET_TOO_LARGE', `${bodyLength} bytes`);
  out[offset] = type;
  out[offset + 1] = (bodyLength >>> 16) & 0xff;
  out[offset + 2] = (bodyLength >>> 8) & 0xff;
  out[offset + 3] = bodyLength & 0xff;
}

/** Encodes one packet. */
export function encodePacket(type: PacketType, body?: Uint8Array): Uint8Array {
  const length = body ? body.length : 0;
  const out = allocBytes(PACKET_HEADER_SIZE + length);
  writePacketHeader(out, 0, type, length);
  if (body) out.set(body, PACKET_HEADER_SIZE);
  return out;
}

/** Reads the body length of the header at `offset`. */
export function readPacketLength(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
}

/**
 * Decodes every packet of one transport frame (a WebSocket message). A frame must hold whole
 * packets: one that ends inside a packet is a protocol error, as is a packet over `maxBodySize`.
 */
export function decodeFramePackets(frame: Uint8Array, maxBodySize: number, onPacket: (p: Packet) => void): void {
  let offset = 0;
  while (offset < frame.length) {
    if (frame.length - offset < PACKET_HEADER_SIZE) throw new ProtocolError('ERR_PACKET_TRUNCATED');
    const type = frame[offset]!;
    if (!isPacketType(type)) throw new ProtocolError('ERR_PACKET_TYPE', String(type));
    const length = readPacketLength(frame, offset);
    if (length > maxBodySize) throw new ProtocolError('ERR_PACKET_TOO_LARGE', `${length} > ${maxBodySize}`);
    const start = offset + PACKET_HEADER_SIZE;
    if (start + length > frame.length) throw new ProtocolError('ERR_PACKET_TRUNCATED');
    onPacket({ type, body: frame.subarray(start, start + length) });
    offset = start + length;
  }
}
