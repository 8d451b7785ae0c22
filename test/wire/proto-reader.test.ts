import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import Long from 'long';
import protobuf from 'protobufjs';
import { ProtocolError } from '../../src/wire/errors.js';
import { ProtoReader } from '../../src/wire/proto-reader.js';
import { ProtoWriter } from '../../src/wire/proto-writer.js';

const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/ /g, ''), 'hex'));

/** Asserts `fn` throws ProtocolError('ERR_BODY_INVALID') whose message matches `detail`. */
function rejects(fn: () => unknown, detail: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_BODY_INVALID');
    assert.match(err.message, detail);
    return true;
  });
}

/** Reads every field of a message generically, as a decoder of an unknown schema would. */
function readAll(r: ProtoReader, depth = 0): void {
  while (!r.done()) {
    const tag = r.tag();
    if ((tag & 7) === 2 && depth < 3 && (tag >>> 3) % 2 === 0) {
      const outer = r.enter();
      readAll(r, depth + 1);
      r.leave(outer);
    } else if ((tag & 7) === 0 && (tag >>> 3) % 3 === 0) {
      r.int64();
    } else if ((tag & 7) === 2 && (tag >>> 3) % 3 === 1) {
      r.string();
    } else {
      r.skip(tag);
    }
  }
}

describe('ProtoReader reads the protobuf wire format', () => {
  it('reads what protobufjs writes', () => {
    const w = protobuf.Writer.create();
    w.int32(-5).uint32(300).sint32(-7).int64(Long.fromString('-9223372036854775808'));
    w.sint64(Long.fromString('123456789012345678')).uint64(Long.fromString('18446744073709551615', true));
    w.fixed32(0xdeadbeef).sfixed32(-3).fixed64(Long.fromString('99')).sfixed64(Long.fromString('-99'));
    w.float(0.25).double(Math.E).bool(true).bool(false).string('ünïcode ✓').bytes(new Uint8Array([1, 2, 3]));
    const r = new ProtoReader(w.finish());
    assert.equal(r.int32(), -5);
    assert.equal(r.uint32(), 300);
    assert.equal(r.sint32(), -7);
    assert.equal(r.int64(), -(2n ** 63n));
    assert.equal(r.sint64(), 123456789012345678n);
    assert.equal(r.uint64(), 2n ** 64n - 1n);
    assert.equal(r.fixed32(), 0xdeadbeef);
    assert.equal(r.sfixed32(), -3);
    assert.equal(r.fixed64(), 99n);
    assert.equal(r.sfixed64(), -99n);
    assert.equal(r.float(), 0.25);
    assert.equal(r.double(), Math.E);
    assert.equal(r.bool(), true);
    assert.equal(r.bool(), false);
    assert.equal(r.string(), 'ünïcode ✓');
    assert.deepEqual(r.bytes(), new Uint8Array([1, 2, 3]));
    assert.ok(r.done());
  });

  it('round-trips any int64 and any double through ProtoWriter', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.double(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (l, d, i) => {
        const r = new ProtoReader(new ProtoWriter().int64(l).sint64(l).double(d).int32(i).sint32(i).finish());
        assert.equal(r.int64(), l);
        assert.equal(r.sint64(), l);
        assert.ok(Object.is(r.double(), d));
        assert.equal(r.int32(), i);
        assert.equal(r.sint32(), i);
      }),
      { numRuns: 1000 },
    );
  });

  it('returns bytes as a plain Uint8Array copy, not a view of the input', () => {
    const input = Buffer.from('03010203', 'hex');
    const out = new ProtoReader(input).bytes();
    assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
    input[1] = 9;
    assert.deepEqual(out, new Uint8Array([1, 2, 3]));
  });

  it('rejects a truncated varint', () => rejects(() => new ProtoReader(bytes('ff ff')).uint32(), /varint truncated/));

  it('rejects a varint longer than ten bytes', () =>
    rejects(() => new ProtoReader(bytes('ff ff ff ff ff ff ff ff ff ff 01')).int64(), /longer than ten bytes/));

  it('rejects a length past the end of the input before allocating', () => {
    rejects(() => new ProtoReader(bytes('ff ff ff ff 07')).bytes(), /bytes needed/);
    rejects(() => new ProtoReader(bytes('05 61 62')).string(), /5 bytes needed at offset 1, 2 left/);
    rejects(() => new ProtoReader(bytes('ff ff ff ff ff ff ff ff 01')).bytes(), /length too large/);
  });

  it('rejects truncated fixed-width values', () => {
    rejects(() => new ProtoReader(bytes('01 02 03')).fixed32(), /4 bytes needed/);
    rejects(() => new ProtoReader(bytes('01 02 03 04 05 06 07')).double(), /8 bytes needed/);
  });

  it('rejects field number 0 and wire types 6 and 7', () => {
    rejects(() => new ProtoReader(bytes('00')).tag(), /field number 0/);
    const r6 = new ProtoReader(bytes('0e'));
    rejects(() => r6.skip(r6.tag()), /wire type 6/);
    const r7 = new ProtoReader(bytes('0f'));
    rejects(() => r7.skip(r7.tag()), /wire type 7/);
  });

  it('keeps reads inside the nested message entered', () => {
    // Field 1, length 2, then a string of length 3 that would run past the nested message.
    const r = new ProtoReader(bytes('0a 02 03 61 62 63'));
    r.tag();
    r.enter();
    rejects(() => r.string(), /3 bytes needed at offset 3, 1 left/);
  });

  it('rejects a nested length longer than its enclosing message', () => {
    const r = new ProtoReader(bytes('0a 05 00'));
    r.tag();
    rejects(() => r.enter(), /length 5 at offset 2 exceeds the 1 bytes left/);
  });

  it('refuses nesting deeper than maxDepth', () => {
    const w = new ProtoWriter();
    for (let i = 0; i < 20; i++) w.tag(1, 2).fork();
    for (let i = 0; i < 20; i++) w.ldelim();
    const deep = (r: ProtoReader): void => {
      while (!r.done()) {
        r.tag();
        const outer = r.enter();
        deep(r);
        r.leave(outer);
      }
    };
    deep(new ProtoReader(w.finish(), { maxDepth: 20 }));
    rejects(() => deep(new ProtoReader(new ProtoWriter().tag(1, 2).fork().tag(1, 2).fork().ldelim().ldelim().finish(), { maxDepth: 1 })), /deeper than 1/);
  });

  it('skips unknown fields of every wire type, groups included', () => {
    const w = new ProtoWriter();
    w.tag(1, 0).int32(-1).tag(2, 1).fixed64(1n).tag(3, 2).string('x').tag(4, 5).fixed32(1);
    w.tag(5, 3).tag(6, 0).uint32(1).tag(7, 3).tag(7, 4).tag(5, 4).tag(8, 0).uint32(42);
    const r = new ProtoReader(w.finish());
    for (let i = 0; i < 5; i++) r.skip(r.tag());
    assert.equal(r.tag(), 8 * 8);
    assert.equal(r.uint32(), 42);
    assert.ok(r.done());
  });

  it('rejects a group closed by the wrong end-group, or never closed', () => {
    const bad = new ProtoReader(new ProtoWriter().tag(5, 3).tag(6, 4).finish());
    rejects(() => bad.skip(bad.tag()), /group 5 closed by end-group 6/);
    const open = new ProtoReader(new ProtoWriter().tag(5, 3).tag(6, 0).uint32(1).finish());
    rejects(() => open.skip(open.tag()), /group 5 not closed/);
  });

  it('throws only ProtocolError on random bytes, whatever the reads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        try {
          readAll(new ProtoReader(input, { maxDepth: 4 }));
        } catch (err) {
          if (!(err instanceof ProtocolError) || err.code !== 'ERR_BODY_INVALID') throw err;
        }
      }),
      { numRuns: 5000 },
    );
  });
});
