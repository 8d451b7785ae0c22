import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import Long from 'long';
import protobuf from 'protobufjs';
import { ProtoWriter, varintSize } from '../../src/wire/proto-writer.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;

describe('ProtoWriter encodes the protobuf wire format', () => {
  it('writes varints as protobuf does', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [1, '01'],
      [127, '7f'],
      [128, '8001'],
      [300, 'ac02'],
      [0xffffffff, 'ffffffff0f'],
    ];
    for (const [v, want] of cases) assert.equal(hex(new ProtoWriter().uint32(v).finish()), want, `uint32 ${v}`);
  });

  it('writes a negative int32 as a ten-byte varint', () => {
    assert.equal(hex(new ProtoWriter().int32(-1).finish()), 'ffffffffffffffffff01');
    assert.equal(hex(new ProtoWriter().int32(-2147483648).finish()), '80808080f8ffffffff01');
  });

  it('zigzags sint32 and sint64', () => {
    assert.equal(hex(new ProtoWriter().sint32(-1).sint32(1).sint32(-2).finish()), '010203');
    assert.equal(hex(new ProtoWriter().sint64(-1n).sint64(MIN_I64).finish()), '01ffffffffffffffffff01');
  });

  it('writes fixed-width values little-endian', () => {
    const w = new ProtoWriter().fixed32(1).sfixed32(-1).fixed64(2n).sfixed64(-1n).float(1.5).double(-2);
    assert.equal(hex(w.finish()), '01000000ffffffff0200000000000000ffffffffffffffff0000c03f00000000000000c0');
  });

  it('writes strings as UTF-8 with a length prefix', () => {
    assert.equal(hex(new ProtoWriter().string('').finish()), '00');
    assert.equal(hex(new ProtoWriter().string('é🐶').finish()), '06c3a9f09f90b6');
  });

  it('fork/ldelim prefixes a nested body with its length, one byte or more', () => {
    const small = new ProtoWriter().tag(1, 2).fork().uint32(5).ldelim().finish();
    assert.equal(hex(small), '0a0105');
    const body = 'x'.repeat(200);
    const big = new ProtoWriter().tag(1, 2).fork().string(body).ldelim().uint32(7).finish();
    // 202 bytes of body (2-byte length of the string + 200) => length varint ca01.
    assert.equal(hex(big.subarray(0, 5)), '0aca01c801');
    assert.equal(big.length, 1 + 2 + 202 + 1);
    assert.equal(big[big.length - 1], 7);
  });

  it('nests forks and grows its buffer past the initial size', () => {
    const w = new ProtoWriter(16);
    w.fork();
    for (let i = 0; i < 1000; i++) w.fork().string('abc').ldelim();
    w.ldelim();
    const out = w.finish();
    assert.equal(out.length, varintSize(5000) + 5000);
  });

  it('starts empty again after finish()', () => {
    const w = new ProtoWriter();
    w.uint32(1);
    w.finish();
    assert.equal(w.finish().length, 0);
  });

  it('refuses ldelim() without fork() and finish() with an open fork', () => {
    assert.throws(() => new ProtoWriter().ldelim(), RangeError);
    assert.throws(() => new ProtoWriter().fork().finish(), RangeError);
  });

  it('produces the same bytes as protobufjs for any values', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('int32' as const), v: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
      fc.record({ k: fc.constant('uint32' as const), v: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }),
      fc.record({ k: fc.constant('sint32' as const), v: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
      fc.record({ k: fc.constant('int64' as const), v: fc.bigInt({ min: MIN_I64, max: MAX_I64 }) }),
      fc.record({ k: fc.constant('sint64' as const), v: fc.bigInt({ min: MIN_I64, max: MAX_I64 }) }),
      fc.record({ k: fc.constant('double' as const), v: fc.double() }),
      fc.record({ k: fc.constant('float' as const), v: fc.float() }),
      fc.record({ k: fc.constant('string' as const), v: fc.string({ unit: 'binary' }) }),
      fc.record({ k: fc.constant('bytes' as const), v: fc.uint8Array() }),
      fc.record({ k: fc.constant('bool' as const), v: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
        const ours = new ProtoWriter(16);
        const theirs = protobuf.Writer.create();
        ours.fork();
        theirs.fork();
        for (const { k, v } of ops) {
          switch (k) {
            case 'int64':
            case 'sint64':
              ours[k](v);
              theirs[k](Long.fromString(v.toString()));
              break;
            default:
              (ours[k] as (x: typeof v) => unknown)(v);
              (theirs[k] as (x: typeof v) => unknown)(v);
          }
        }
        ours.ldelim();
        theirs.ldelim();
        assert.equal(hex(ours.finish()), hex(theirs.finish()));
      }),
      { numRuns: 500 },
    );
  });
});
