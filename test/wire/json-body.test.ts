/**
 * JSON bodies from peers: parsed without letting `__proto__` or `constructor.prototype` keys
 * reach an application that merges them into its own objects; invalid JSON is ERR_BODY_INVALID.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { encodeJsonBody, parseJsonBody, ProtocolError, utf8Encode } from '../../src/wire/index.js';
import { utf8Write } from '../../src/wire/bytes.js';

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

/** The naive recursive merge many applications write; it pollutes prototypes given `__proto__` keys. */
function naiveMerge(target: Record<string, unknown>, source: unknown): Record<string, unknown> {
  if (typeof source !== 'object' || source === null) return target;
  for (const key of Object.keys(source)) {
    const value = (source as Record<string, unknown>)[key];
    if (typeof value === 'object' && value !== null) {
      const into = (target[key] ?? {}) as Record<string, unknown>;
      target[key] = naiveMerge(into, value);
    } else {
      target[key] = value;
    }
  }
  return target;
}

function assertNotPolluted(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
}

describe('parseJsonBody', () => {
  afterEach(() => {
    // If a case did pollute, clean up so the other cases still report their own result.
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  it('removes a __proto__ key, so neither parsing nor merging pollutes Object.prototype', () => {
    const value = parseJsonBody(utf8('{"__proto__":{"polluted":1}}')) as Record<string, unknown>;
    assertNotPolluted();
    assert.equal(Object.hasOwn(value, '__proto__'), false, 'key removed');
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    naiveMerge({}, value);
    Object.assign({}, value);
    assertNotPolluted();
  });

  it('removes a constructor.prototype key, so merging cannot reach Object.prototype', () => {
    const value = parseJsonBody(utf8('{"constructor":{"prototype":{"polluted":1}}}')) as Record<string, unknown>;
    assertNotPolluted();
    assert.equal(Object.hasOwn(value, 'constructor'), false, 'key removed');
    assert.equal(value.constructor, Object);
    naiveMerge({}, value);
    assertNotPolluted();
  });

  it('removes those keys at any depth and keeps everything else', () => {
    const value = parseJsonBody(
      utf8('{"a":{"__proto__":{"polluted":1},"b":2},"list":[{"constructor":{"prototype":{"polluted":1}},"c":3}],"d":"__proto__"}'),
    );
    assert.deepEqual(value, { a: { b: 2 }, list: [{ c: 3 }], d: '__proto__' });
    const v = value as { a: object; list: object[] };
    assert.equal(Object.hasOwn(v.a, '__proto__'), false);
    assert.equal(Object.hasOwn(v.list[0]!, 'constructor'), false);
    naiveMerge({}, value);
    assertNotPolluted();
  });

  it('removes those keys when spelt with \\u escapes too', () => {
    const value = parseJsonBody(utf8('{"\\u005f_proto__":{"polluted":1},"\\u0063onstructor":{"prototype":{"polluted":1}},"ok":"\\u0041"}'));
    assert.deepEqual(value, { ok: 'A' });
    naiveMerge({}, value);
    assertNotPolluted();
  });

  it('parses a body that starts with a byte-order mark', () => {
    assert.deepEqual(parseJsonBody(utf8('\ufeff{"a":1}')), { a: 1 });
  });

  it('parses valid JSON of every kind, including non-ASCII text', () => {
    const cases: unknown[] = [{ a: 1, b: [true, null, 'x'] }, [1, 2], 'héllo 聊天 🎮', 42, -0.5, true, null, {}];
    for (const value of cases) assert.deepEqual(parseJsonBody(encodeJsonBody(value)), value);
  });

  it('reads an empty body as undefined, and encodes undefined as {}', () => {
    assert.equal(parseJsonBody(new Uint8Array(0)), undefined);
    assert.equal(Buffer.from(encodeJsonBody(undefined)).toString(), '{}');
  });

  it('refuses invalid JSON with ERR_BODY_INVALID', () => {
    const bad = [utf8('{'), utf8('{"a":1,}'), utf8("{'a':1}"), utf8('undefined'), utf8('{"a":1} {"b":2}'), utf8('  '), utf8('NaN'), Uint8Array.of(0xff, 0xfe, 0xfd)];
    for (const body of bad) {
      assert.throws(
        () => parseJsonBody(body),
        (err: unknown) => {
          assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
          assert.equal(err.code, 'ERR_BODY_INVALID');
          return true;
        },
        Buffer.from(body).toString('hex'),
      );
    }
  });
});

it('JSON bodies encode to the UTF-8 bytes Buffer would make, ASCII or not, lone surrogates included', () => {
  const texts = ['plain ascii', '', 'naïve café', '日本語', 'emoji 🎲', 'lone \ud800 surrogate', '\u007f\u0080'];
  for (const text of texts) {
    const bytes = encodeJsonBody({ text });
    assert.deepEqual(Buffer.from(bytes), Buffer.from(JSON.stringify({ text }), 'utf8'), text);
    assert.deepEqual(parseJsonBody(bytes), { text }, 'JSON.stringify escapes a lone surrogate, so it comes back whole');
  }
  for (const text of texts) assert.deepEqual(Buffer.from(utf8Encode(text)), Buffer.from(text, 'utf8'), text);
  const at = new Uint8Array(16);
  assert.equal(utf8Write(at, 'é!', 3), 3);
  assert.deepEqual([...at.subarray(3, 6)], [0xc3, 0xa9, 0x21]);
});
