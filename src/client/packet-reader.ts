import { decodeFramePackets, type Packet } from '../wire/packet.js';
import { PacketStreamDecoder } from '../wire/packet-stream-decoder.js';
import type { Framing } from './client-socket.js';

/** Turns received bytes into packets. */
export interface PacketReader {
  /** Feeds bytes; calls `onPacket` per whole packet. Throws ProtocolError on bad input. */
  push(bytes: Uint8Array, onPacket: (p: Packet) => void): void;
  /** Bytes held that do not make a whole packet yet (always 0 for message framing). */
  readonly bufferedBytes: number;
}

/**
 * A reader for the transport's framing: a WebSocket message holds whole packets, while a TCP
 * stream may split or join them anywhere and needs reassembly.
 */
export function createPacketReader(framing: Framing, maxPacketSize: number): PacketReader {
  if (framing === 'message') {
    return { push: (bytes, onPacket) => decodeFramePackets(bytes, maxPacketSize, onPacket), bufferedBytes: 0 };
  }
  const decoder = new PacketStreamDecoder(maxPacketSize);
  return {
    push: (bytes, onPacket) => decoder.push(bytes, onPacket),
    get bufferedBytes() {
      return decoder.bufferedBytes;
    },
  };
}
