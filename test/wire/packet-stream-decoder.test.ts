/**
 * PacketStreamDecoder turns a TCP byte stream into packets however the stream is split or joined,
 * rejects bad headers as soon as the header is complete, and stays failed after an error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_MAX_PACKET_SIZE,
  encodePacket,
  PACKET_MAX_BODY,
  PacketStreamDecoder,
  PacketType,
  ProtocolError,
  type Packet,
  type ProtocolErrorCode,
} from '../../src/wire/index.js';

/** A packet copied out of the decoder, so later pushes cannot change what was seen. */
interface Seen {
  type: number;
  body: string;
}

const seen = (p: Packet): Seen => ({ type: p.type, body: Buffer.from(p.body).toString('hex') });

/** A stream of every packet type, with empty, small and multi-byte-length bodies. */
const packets: [PacketType, Uint8Array][] = [
  [PacketType.Handshake, Buffer.from('{"sys":{"type":"tcp","version":"1"},"user":{}}')],
  [PacketType.HandshakeAck, new Uint8Array(0)],
  [PacketType.Heartbeat, new Uint8Array(0)],
  [PacketType.Data, Uint8Array.of(0x00, 0x01, 0x03, 0x61, 0x2e, 0x62, 0x7b, 0x7d)],
  [PacketType.Data, Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)],
  [PacketType.Kick, Buffer.from('{"reason":"bye"}')],
];
const stream = Buffer.concat(packets.map(([t, b]) => encodePacket(t, b)));
const expected: Seen[] = packets.map(([type, b]) => ({ type, body: Buffer.from(b).toString('hex') }));

/** Pushes `chunks` in order and returns what came out. */
function feed(decoder: PacketStreamDecoder, chunks: Uint8Array[]): Seen[] {
  const out: Seen[] = [];
  for (const c of chunks) decoder.push(c, (p) => out.push(seen(p)));
  return out;
}

function throwsCode(fn: () => unknown, code: ProtocolErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

describe('PacketStreamDecoder', () => {
  it('decodes several packets arriving in one chunk, in order', () => {
    const decoder = new PacketStreamDecoder(DEFAULT_MAX_PACKET_SIZE);
    assert.deepEqual(feed(decoder, [stream]), expected);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('decodes the same packets when the stream is split at any one point', () => {
    for (let i = 0; i <= stream.length; i++) {
      const decoder = new PacketStreamDecoder(DEFAULT_MAX_PACKET_SIZE);
      assert.deepEqual(feed(decoder, [stream.subarray(0, i), stream.subarray(i)]), expected, `split at ${i}`);
      assert.equal(decoder.bufferedBytes, 0);
    }
  });

  it('decodes the same packets when the stream is split at any two points', () => {
    // The first 120 bytes hold five packet boundaries and the start of the 300-byte body.
    const head = 120;
    for (let i = 0; i <= head; i++) {
      for (let j = i; j <= head; j++) {
        const decoder = new PacketStreamDecoder(DEFAULT_MAX_PACKET_SIZE);
        const got = feed(decoder, [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]);
        assert.deepEqual(got, expected, `splits at ${i} and ${j}`);
      }
    }
  });

  it('decodes the stream fed one byte at a time, emitting each packet on its last byte', () => {
    const decoder = new PacketStreamDecoder(DEFAULT_MAX_PACKET_SIZE);
    const ends: number[] = [];
    let end = 0;
    for (const [, b] of packets) ends.push((end += 4 + b.length));
    const got: Seen[] = [];
    for (let i = 0; i < stream.length; i++) {
      const before = got.length;
      decoder.push(stream.subarray(i, i + 1), (p) => got.push(seen(p)));
      const finished = ends.indexOf(i + 1) !== -1;
      assert.equal(got.length - before, finished ? 1 : 0, `byte ${i}`);
    }
    assert.deepEqual(got, expected);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('ignores empty chunks', () => {
    const decoder = new PacketStreamDecoder(DEFAULT_MAX_PACKET_SIZE);
    const empty = new Uint8Array(0);
    assert.deepEqual(feed(decoder, [empty, stream.subarray(0, 2), empty, stream.subarray(2), empty]), expected);
  });

  it('rejects a header announcing 16 MiB with a 64 KiB limit as soon as the header is complete', () => {
    const decoder = new PacketStreamDecoder(64 * 1024);
    const header = Uint8Array.of(PacketType.Data, 0xff, 0xff, 0xff);
    let emitted = 0;
    for (let i = 0; i < 3; i++) decoder.push(header.subarray(i, i + 1), () => emitted++);
    throwsCode(() => decoder.push(header.subarray(3), () => emitted++), 'ERR_PACKET_TOO_LARGE');
    assert.equal(emitted, 0);
    assert.equal(decoder.bufferedBytes, 0, 'nothing kept after the failure');
  });

  it('accepts a body of exactly the limit and rejects one byte more', () => {
    const limit = 1000;
    const ok = new PacketStreamDecoder(limit);
    const body = Uint8Array.from({ length: limit }, (_, i) => i & 0xff);
    assert.deepEqual(feed(ok, [encodePacket(PacketType.Data, body)]), [{ type: PacketType.Data, body: Buffer.from(body).toString('hex') }]);
    const tooBig = new PacketStreamDecoder(limit);
    throwsCode(() => tooBig.push(Uint8Array.of(PacketType.Data, 0, (limit + 1) >> 8, (limit + 1) & 0xff), () => {}), 'ERR_PACKET_TOO_LARGE');
  });

  it('does not allocate an announced body before its bytes arrive', () => {
    // A header announcing the largest possible body (16 MiB - 1), allowed by the limit.
    const decoder = new PacketStreamDecoder(PACKET_MAX_BODY);
    const header = Uint8Array.of(PacketType.Data, 0xff, 0xff, 0xff);
    const before = process.memoryUsage().arrayBuffers;
    decoder.push(header, () => assert.fail('no packet yet'));
    decoder.push(Uint8Array.of(1, 2, 3), () => assert.fail('no packet yet'));
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 4 * 1024 * 1024, `external memory grew by ${grown} bytes after a 16 MiB announcement`);
    assert.equal(decoder.bufferedBytes, 3, 'only the body bytes received are held');
  });

  it('assembles a 512 KiB body pushed one byte at a time, holding only what has arrived', async () => {
    const size = 512 * 1024;
    const body = Uint8Array.from({ length: size }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
    const bytes = encodePacket(PacketType.Data, body);
    const decoder = new PacketStreamDecoder(size);
    let got: Packet | undefined;
    for (let i = 0; i < bytes.length; i++) {
      // Yield now and then so the runner's timeout can end a run that went quadratic (minutes, not ms).
      if (i % 32_768 === 0) await new Promise((r) => setImmediate(r));
      decoder.push(bytes.subarray(i, i + 1), (p) => {
        assert.equal(got, undefined, 'one packet');
        assert.equal(i, bytes.length - 1, 'emitted only on the last byte');
        got = p;
      });
      if (i < 3) assert.equal(decoder.bufferedBytes, i + 1, 'header bytes held');
      else if (i < bytes.length - 1) assert.equal(decoder.bufferedBytes, i - 3, `body bytes held after byte ${i}`);
    }
    assert.ok(got);
    assert.equal(got.type, PacketType.Data);
    assert.equal(got.body.length, size);
    assert.ok(Buffer.from(got.body).equals(Buffer.from(body)), 'emitted body equals the input');
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('rejects an unknown packet type, after emitting the packets before it', () => {
    for (const type of [0, 6, 7, 0x44, 0xff]) {
      const decoder = new PacketStreamDecoder(DEFAULT_MAX_PACKET_SIZE);
      const good = encodePacket(PacketType.Heartbeat);
      const bad = Uint8Array.of(type, 0, 0, 1, 0x20);
      const got: Seen[] = [];
      throwsCode(() => decoder.push(Buffer.concat([good, bad]), (p) => got.push(seen(p))), 'ERR_PACKET_TYPE');
      assert.deepEqual(got, [{ type: PacketType.Heartbeat, body: '' }], `type ${type}`);
    }
  });

  it('rejects an unknown packet type once its header is complete, without waiting for its body', () => {
    const decoder = new PacketStreamDecoder(DEFAULT_MAX_PACKET_SIZE);
    decoder.push(Uint8Array.of(9, 0, 0), () => {});
    throwsCode(() => decoder.push(Uint8Array.of(50), () => {}), 'ERR_PACKET_TYPE');
  });

  it('stays failed after an error: every later push throws ERR_STATE and emits nothing', () => {
    const decoder = new PacketStreamDecoder(16);
    throwsCode(() => decoder.push(Uint8Array.of(PacketType.Data, 0, 0, 17), () => {}), 'ERR_PACKET_TOO_LARGE');
    for (const chunk of [encodePacket(PacketType.Heartbeat), stream, new Uint8Array(0), Uint8Array.of(1)]) {
      throwsCode(() => decoder.push(chunk, () => assert.fail('no packet after failure')), 'ERR_STATE');
    }
    assert.equal(decoder.bufferedBytes, 0);

    const typeFailed = new PacketStreamDecoder(DEFAULT_MAX_PACKET_SIZE);
    throwsCode(() => typeFailed.push(Uint8Array.of(0, 0, 0, 0), () => {}), 'ERR_PACKET_TYPE');
    throwsCode(() => typeFailed.push(encodePacket(PacketType.Heartbeat), () => assert.fail('no packet after failure')), 'ERR_STATE');
  });

  it('keeps the bytes after the last whole packet for the next push', () => {
    const decoder = new PacketStreamDecoder(DEFAULT_MAX_PACKET_SIZE);
    const cut = stream.length - 5;
    assert.deepEqual(feed(decoder, [stream.subarray(0, cut)]), expected.slice(0, -1));
    assert.equal(decoder.bufferedBytes, packets.at(-1)![1].length - 5, 'kick body bytes so far');
    assert.deepEqual(feed(decoder, [stream.subarray(cut)]), expected.slice(-1));
  });
});
