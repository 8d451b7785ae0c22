import { decodeFramePackets, type Packet } from '../wire/packet.js';
import { PacketStreamDecoder } from '../wire/packet-stream-decoder.js';
import type { Framing } from './client-socket.js';

/** Turns received bytes into packets; throws ProtocolError on bad input. */
export type PacketReader = (bytes: Uint8Array, onPacket: (p: Packet) => void) => void;

/**
 * A reader for the transport's framing: a WebSocket message holds whole packets, while a TCP
 * stream may split or join them anywhere and needs reassembly.
 */
export function createPacketReader(framing: Framing, maxPacketSize: number): PacketReader {
  if (framing === 'message') return (bytes, onPacket) => decodeFramePackets(bytes, maxPacketSize, onPacket);
  const decoder = new PacketStreamDecoder(maxPacketSize);
  return (bytes, onPacket) => decoder.push(bytes, onPacket);
}
