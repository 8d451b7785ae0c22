import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FrameDecoder } from '../../src/transport/index.js';
import { ProtocolError } from '../../src/wire/errors.js';

function framed(...frames: number[][]): Uint8Array {
  const out: number[] = [];
  for (const f of frames) out.push(f.length >>> 24, (f.length >>> 16) & 255, (f.length >>> 8) & 255, f.length & 255, ...f);
  return Uint8Array.from(out);
}

function decodeAll(chunks: Uint8Array[], maxFrameBytes?: number): number[][] {
  const out: number[][] = [];
  const d = new FrameDecoder((f) => out.push([...f]), { maxFrameBytes });
  for (const c of chunks) d.push(c);
  return out;
}

test('coalesced frames in one chunk all come out, in order', () => {
  const stream = framed([1], [2, 3], [], [4, 5, 6]);
  assert.deepEqual(decodeAll([stream]), [[1], [2, 3], [], [4, 5, 6]]);
});

test('a frame split at every possible point (inside the length too) comes out whole', () => {
  const stream = framed([1, 2, 3, 4, 5], [6, 7]);
  for (let cut = 0; cut <= stream.length; cut++) {
    assert.deepEqual(decodeAll([stream.subarray(0, cut), stream.subarray(cut)]), [[1, 2, 3, 4, 5], [6, 7]], `cut ${cut}`);
  }
  assert.deepEqual(decodeAll([...stream].map((b) => Uint8Array.of(b))), [[1, 2, 3, 4, 5], [6, 7]]);
});

test('a frame inside one chunk is a view of it; a split one is joined into a copy', () => {
  const stream = framed([1, 2], [3, 4]);
  const views: Uint8Array[] = [];
  new FrameDecoder((f) => views.push(f)).push(stream);
  assert.equal(views[0]!.buffer, stream.buffer);
  const joined: Uint8Array[] = [];
  const d = new FrameDecoder((f) => joined.push(f));
  d.push(stream.subarray(0, 5));
  assert.equal(d.bufferedBytes, 1);
  d.push(stream.subarray(5));
  assert.deepEqual([...joined[0]!], [1, 2]);
});

test('a length over the limit fails as soon as the 4 length bytes are in, before any payload', () => {
  const d = new FrameDecoder(() => assert.fail('no frame expected'), { maxFrameBytes: 1024 });
  d.push(Uint8Array.of(0, 0));
  assert.throws(
    () => d.push(Uint8Array.of(4, 1)),
    (err: unknown) => err instanceof ProtocolError && err.code === 'ERR_PACKET_TOO_LARGE',
  );
  assert.throws(() => d.push(Uint8Array.of(1)), (err: unknown) => err instanceof ProtocolError && err.code === 'ERR_STATE');
  assert.deepEqual(decodeAll([framed(new Array(1024).fill(7))], 1024)[0]!.length, 1024);
});

test('a huge announced length costs only the bytes that arrived', () => {
  const d = new FrameDecoder(() => assert.fail('no frame expected'));
  d.push(Uint8Array.of(0x00, 0xff, 0xff, 0xff, 1, 2, 3)); // 16 MiB - 1 announced, 3 bytes sent
  assert.equal(d.bufferedBytes, 3);
});

test('the default limit is 16 MiB', () => {
  const d = new FrameDecoder(() => {});
  d.push(Uint8Array.of(0x01, 0x00, 0x00, 0x00)); // exactly 16 MiB: allowed
  const e = new FrameDecoder(() => {});
  assert.throws(() => e.push(Uint8Array.of(0x01, 0x00, 0x00, 0x01)), ProtocolError);
});

test('random bytes throw only ProtocolError', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 24 }), { maxLength: 6 }), fc.integer({ min: 0, max: 64 }), (chunks, max) => {
      const d = new FrameDecoder(() => {}, { maxFrameBytes: max });
      try {
        for (const c of chunks) d.push(c);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
      }
    }),
    { numRuns: 10_000 },
  );
});

test('any split of a valid stream yields the same frames', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.nat({ max: 255 }), { maxLength: 40 }), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (frames, cuts) => {
        const stream = framed(...frames);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          chunks.push(stream.subarray(prev, p));
          prev = p;
        }
        assert.deepEqual(decodeAll(chunks), frames);
      },
    ),
    { numRuns: 2_000 },
  );
});
