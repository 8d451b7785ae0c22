/**
 * The codec's hot paths (64-bit values within ±2^53 through number arithmetic, short strings written
 * behind a one-byte length, the scratch buffer) must write and read exactly what the general paths do.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import Long from 'long';
import protobuf from 'protobufjs';
import { ProtoReader, ProtoWriter } from '../../src/wire/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** 64-bit values around every edge of the fast paths: ±2^53, ±2^32, ±2^31, 0, the 64-bit limits. */
const edges = [0n, 1n, -1n, 2n ** 31n, -(2n ** 31n), 2n ** 32n, -(2n ** 32n), SAFE, -SAFE, 2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n];
const nearEdges = fc.tuple(fc.constantFrom(...edges), fc.integer({ min: -3, max: 3 })).map(([e, d]) => e + BigInt(d));

describe('ProtoWriter and ProtoReader fast paths', () => {
  it('write 64-bit values near every edge as protobufjs does, and read them back', () => {
    fc.assert(
      fc.property(nearEdges, (v) => {
        const signed = BigInt.asIntN(64, v);
        const unsigned = BigInt.asUintN(64, v);
        const ours = new ProtoWriter().int64(signed).uint64(unsigned).sint64(signed).finish();
        const theirs = protobuf.Writer.create()
          .int64(Long.fromString(signed.toString()))
          .uint64(Long.fromString(unsigned.toString(), true))
          .sint64(Long.fromString(signed.toString()))
          .finish();
        assert.equal(hex(ours), hex(theirs));
        const r = new ProtoReader(ours);
        assert.equal(r.int64(), signed);
        assert.equal(r.uint64(), unsigned);
        assert.equal(r.sint64(), signed);
      }),
      { numRuns: 2000 },
    );
  });

  it('write short and long strings, surrogates and lone surrogates included, as Buffer encodes them', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 50 }), fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ maxLength: 80 }));
    fc.assert(
      fc.property(text, (s) => {
        const expected = Buffer.from(s, 'utf8');
        const r = new ProtoReader(new ProtoWriter().string(s).finish());
        const written = r.bytes();
        assert.equal(hex(written), hex(expected));
        assert.equal(new ProtoReader(new ProtoWriter().string(s).finish()).string(), expected.toString('utf8'));
      }),
      { numRuns: 3000 },
    );
  });

  it('write lone surrogates as U+FFFD, short strings and long', () => {
    for (const s of ['\ud800', 'a\udc00b', '\udbff\udbff', '\ud83d\ude00\ud83d', `${'x'.repeat(60)}\ud800`]) {
      const written = new ProtoReader(new ProtoWriter().string(s).finish()).bytes();
      assert.equal(hex(written), Buffer.from(s, 'utf8').toString('hex'), JSON.stringify(s));
    }
  });

  it('hand out bytes that later messages on the shared scratch buffer never overwrite', () => {
    const first = new ProtoWriter().string('first message').uint32(1).finish();
    const copy = hex(first);
    for (let i = 0; i < 10; i++) new ProtoWriter().string('x'.repeat(100 * i)).finish();
    assert.equal(hex(first), copy);
  });

  it('let a writer made while another holds the scratch buffer work on its own buffer', () => {
    const outer = new ProtoWriter().string('outer');
    const inner = new ProtoWriter().string('inner').finish();
    const done = outer.uint32(7).finish();
    const r = new ProtoReader(done);
    assert.equal(r.string(), 'outer');
    assert.equal(r.uint32(), 7);
    assert.equal(new ProtoReader(inner).string(), 'inner');
  });
});
