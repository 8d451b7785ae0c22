/**
 * decodeFramePackets reads every packet of one WebSocket message: several packets per frame are
 * fine, a frame that ends inside a packet or carries a packet over the limit is a protocol error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeFramePackets,
  DEFAULT_MAX_PACKET_SIZE,
  encodePacket,
  PacketType,
  ProtocolError,
  type ProtocolErrorCode,
} from '../../src/wire/index.js';

interface Seen {
  type: number;
  body: string;
}

const packets: [PacketType, Uint8Array][] = [
  [PacketType.Handshake, Buffer.from('{"sys":{},"user":{}}')],
  [PacketType.HandshakeAck, new Uint8Array(0)],
  [PacketType.Heartbeat, new Uint8Array(0)],
  [PacketType.Data, Uint8Array.of(0x06, 0x01, 0x02, 0x7b, 0x7d)],
  [PacketType.Data, Uint8Array.from({ length: 260 }, (_, i) => i & 0xff)],
  [PacketType.Kick, Buffer.from('{"reason":"x"}')],
];
const frame = Buffer.concat(packets.map(([t, b]) => encodePacket(t, b)));
const expected: Seen[] = packets.map(([type, b]) => ({ type, body: Buffer.from(b).toString('hex') }));
/** Offsets where one packet ends and the next begins. */
const boundaries = new Set<number>([0]);
{
  let end = 0;
  for (const [, b] of packets) boundaries.add((end += 4 + b.length));
}

function decode(bytes: Uint8Array, max = DEFAULT_MAX_PACKET_SIZE): Seen[] {
  const out: Seen[] = [];
  decodeFramePackets(bytes, max, (p) => out.push({ type: p.type, body: Buffer.from(p.body).toString('hex') }));
  return out;
}

function throwsCode(fn: () => unknown, code: ProtocolErrorCode, what?: string): void {
  assert.throws(
    fn,
    (err: unknown) => {
      assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
      assert.equal(err.code, code, what);
      return true;
    },
    what,
  );
}

describe('decodeFramePackets', () => {
  it('decodes several packets in one frame, in order', () => {
    assert.deepEqual(decode(frame), expected);
  });

  it('gives bodies as views into the frame, not copies', () => {
    const bodies: Uint8Array[] = [];
    decodeFramePackets(frame, DEFAULT_MAX_PACKET_SIZE, (p) => bodies.push(p.body));
    for (const b of bodies) assert.equal(b.buffer, frame.buffer);
    assert.equal(bodies[3]!.byteOffset, frame.byteOffset + [...boundaries].sort((a, b) => a - b)[3]! + 4);
  });

  it('accepts an empty frame as no packets', () => {
    assert.deepEqual(decode(new Uint8Array(0)), []);
  });

  it('rejects a frame cut inside any packet with ERR_PACKET_TRUNCATED, after the whole packets before the cut', () => {
    for (let cut = 1; cut < frame.length; cut++) {
      const whole = [...boundaries].filter((b) => b <= cut).length - 1;
      if (boundaries.has(cut)) {
        assert.deepEqual(decode(frame.subarray(0, cut)), expected.slice(0, whole), `cut at boundary ${cut}`);
        continue;
      }
      const got: Seen[] = [];
      throwsCode(
        () => decodeFramePackets(frame.subarray(0, cut), DEFAULT_MAX_PACKET_SIZE, (p) => got.push({ type: p.type, body: Buffer.from(p.body).toString('hex') })),
        'ERR_PACKET_TRUNCATED',
        `cut at ${cut}`,
      );
      assert.deepEqual(got, expected.slice(0, whole), `packets before cut ${cut}`);
    }
  });

  it('rejects a packet over the limit with ERR_PACKET_TOO_LARGE, even when its body is not in the frame', () => {
    throwsCode(() => decode(Uint8Array.of(PacketType.Data, 0xff, 0xff, 0xff), 64 * 1024), 'ERR_PACKET_TOO_LARGE');
    throwsCode(() => decode(Uint8Array.of(PacketType.Data, 0x01, 0x00, 0x01), 64 * 1024), 'ERR_PACKET_TOO_LARGE');
    const body = new Uint8Array(100);
    assert.equal(decode(encodePacket(PacketType.Data, body), 100).length, 1, 'exactly the limit is accepted');
    throwsCode(() => decode(encodePacket(PacketType.Data, new Uint8Array(101)), 100), 'ERR_PACKET_TOO_LARGE');
    throwsCode(() => decode(Buffer.concat([encodePacket(PacketType.Heartbeat), encodePacket(PacketType.Data, new Uint8Array(101))]), 100), 'ERR_PACKET_TOO_LARGE');
  });

  it('rejects an unknown packet type with ERR_PACKET_TYPE', () => {
    for (const type of [0, 6, 0x80, 0xff]) {
      throwsCode(() => decode(Uint8Array.of(type, 0, 0, 0)), 'ERR_PACKET_TYPE', `type ${type}`);
      throwsCode(() => decode(Buffer.concat([encodePacket(PacketType.Heartbeat), Uint8Array.of(type, 0, 0, 0)])), 'ERR_PACKET_TYPE');
    }
  });
});
