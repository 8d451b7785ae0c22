/**
 * The load generators' client: a raw `ws` socket plus the few pomelo packets a generator needs
 * (handshake, ack, heartbeat, request), decoding only packet and message headers. It is kept lean
 * so the generator, not the server, is the cheaper side of every exchange: no per-message objects,
 * no JSON parsing of replies, a zero WebSocket mask (RFC 6455 allows any mask; an all-zero one
 * lets `ws` skip the XOR pass over each frame).
 */
import WebSocket from 'ws';
import {
  encodeHandshake,
  encodeMessagePacket,
  encodePacket,
  MessageType,
  PacketType,
  parseHandshakeResponse,
  RouteDictionary,
} from '../../src/wire/index.js';

/** What a pomelo handshake told the client. */
export interface HandshakeInfo {
  readonly heartbeatSec: number;
  readonly dictionary: RouteDictionary;
}

/** Message types as the flag byte carries them (`type << 1`). */
export const MSG_RESPONSE = MessageType.Response;
export const MSG_PUSH = MessageType.Push;
/** Flag bit of an error response (pitaya style; the generators ask for it in the handshake). */
export const FLAG_ERROR_BIT = 0x20;

const HEARTBEAT = encodePacket(PacketType.Heartbeat);
const ACK = encodePacket(PacketType.HandshakeAck);

/** Opens a WebSocket with the generator's settings; resolves when it is open. */
export function openSocket(url: string, timeoutMs = 10_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      generateMask: (mask: Buffer) => void mask.fill(0),
      handshakeTimeout: timeoutMs,
    });
    ws.binaryType = 'nodebuffer';
    const fail = (err: Error): void => {
      ws.terminate();
      reject(err);
    };
    ws.once('open', () => {
      ws.off('error', fail);
      ws.on('error', () => {}); // a later reset shows up as a close; the generator counts the loss.
      resolve(ws);
    });
    ws.once('error', fail);
  });
}

/**
 * Calls `onPacket(frame, type, start, end)` for each pomelo packet in a WebSocket message: `start`
 * is the first byte of its body, `end` one past the last. A gateway may put several packets in one
 * message. The frame is passed along so callers need no closure per message.
 */
export function forEachPacket(frame: Buffer, onPacket: (frame: Buffer, type: number, start: number, end: number) => void): void {
  let offset = 0;
  while (offset + 4 <= frame.length) {
    const length = (frame[offset + 1]! << 16) | (frame[offset + 2]! << 8) | frame[offset + 3]!;
    const start = offset + 4;
    onPacket(frame, frame[offset]!, start, start + length);
    offset = start + length;
  }
}

/** Offset of a push message's body, given the offset of its flag byte. */
export function pushBodyOffset(frame: Buffer, flagOffset: number): number {
  const routeCompressed = (frame[flagOffset]! & 1) === 1;
  return routeCompressed ? flagOffset + 3 : flagOffset + 2 + frame[flagOffset + 1]!;
}

/** Runs the pomelo handshake on an open socket: handshake → answer (code 200) → ack. */
export function pomeloHandshake(ws: WebSocket, timeoutMs = 10_000): Promise<HandshakeInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('handshake answer did not arrive')), timeoutMs);
    const done = (err: Error | undefined, info?: HandshakeInfo): void => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      if (err) reject(err);
      else resolve(info!);
    };
    const onMessage = (frame: Buffer): void => {
      if (frame[0] !== PacketType.Handshake) return;
      try {
        const answer = parseHandshakeResponse(frame.subarray(4));
        if (answer.code !== 200 || !answer.sys) throw new Error(`handshake refused with code ${answer.code}`);
        ws.send(ACK);
        done(undefined, { heartbeatSec: answer.sys.heartbeat, dictionary: new RouteDictionary(Object.entries(answer.sys.dict ?? {})) });
      } catch (err) {
        done(err as Error);
      }
    };
    ws.on('message', onMessage);
    const hello = encodeHandshake({ sys: { type: 'switchyard-bench', version: '1.0.0', errorFlag: true }, user: {} });
    ws.send(encodePacket(PacketType.Handshake, hello));
  });
}

/** Sends one pomelo heartbeat packet. */
export function sendHeartbeat(ws: WebSocket): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(HEARTBEAT);
}

/** Encodes a request packet, by route code when the handshake's dictionary has one (as the SDK does). */
export function requestPacket(id: number, route: string, body: Uint8Array, dictionary: RouteDictionary | undefined): Uint8Array {
  return encodeMessagePacket({ type: MessageType.Request, id, route, routeCode: dictionary?.codeOf(route), body });
}

/** Connects `count` sockets with at most `concurrency` handshakes in flight; `open` does one. */
export async function connectMany<T>(count: number, concurrency: number, open: (index: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await open(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}
