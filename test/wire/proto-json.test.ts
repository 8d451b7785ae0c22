import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { base64Decode, base64Encode } from '../../src/wire/base64.js';
import { ProtocolError } from '../../src/wire/errors.js';
import {
  floatToJSON,
  jsonArray,
  jsonBool,
  jsonBytes,
  jsonField,
  jsonFloat,
  jsonInt32,
  jsonInt64,
  jsonKeyBool,
  jsonKeyInt32,
  jsonKeyInt64,
  jsonMap,
  jsonString,
  mapToJSON,
} from '../../src/wire/proto-json.js';

const invalid = (pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ProtocolError);
  assert.equal(err.code, 'ERR_BODY_INVALID');
  assert.match(err.message, pattern);
  return true;
};

describe('base64 for bytes in JSON bodies', () => {
  it('matches Node for any bytes, and decodes its own output', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const text = base64Encode(b);
        assert.equal(text, Buffer.from(b).toString('base64'));
        assert.deepEqual(base64Decode(text), b);
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts URL-safe and unpadded text', () => {
    assert.deepEqual(base64Decode('-_8'), new Uint8Array([0xfb, 0xff]));
    assert.deepEqual(base64Decode('AQI'), new Uint8Array([1, 2]));
  });

  it('rejects characters outside base64 and impossible lengths', () => {
    assert.throws(() => base64Decode('AB$C'), invalid(/"\$" is not base64/));
    assert.throws(() => base64Decode('ABCDE'), invalid(/impossible length/));
  });
});

describe('JSON field converters', () => {
  it('reads absent and null as the default', () => {
    assert.equal(jsonInt32(undefined, 'x'), 0);
    assert.equal(jsonInt64(null, 'x'), 0n);
    assert.equal(jsonFloat(undefined, 'x'), 0);
    assert.equal(jsonString(null, 'x'), '');
    assert.equal(jsonBool(undefined, 'x'), false);
    assert.deepEqual(jsonBytes(undefined, 'x'), new Uint8Array(0));
    assert.deepEqual(jsonArray(null, 'x', jsonString), []);
    assert.deepEqual(jsonMap(undefined, 'x', jsonKeyInt32, jsonString), new Map());
  });

  it('takes 32-bit integers as numbers or decimal strings, and nothing else', () => {
    assert.equal(jsonInt32('-12', 'x'), -12);
    assert.equal(jsonInt32(2147483647, 'x'), 2147483647);
    assert.throws(() => jsonInt32(2147483648, 'a.b'), invalid(/a\.b: expected a 32-bit integer, got number/));
    assert.throws(() => jsonInt32(1.5, 'x'), invalid(/32-bit integer/));
    assert.throws(() => jsonInt32('1e3', 'x'), invalid(/32-bit integer/));
  });

  it('takes longs as decimal strings (exact beyond 2^53) or safe numbers', () => {
    assert.equal(jsonInt64('9223372036854775807', 'x'), 2n ** 63n - 1n);
    assert.equal(jsonInt64(-42, 'x'), -42n);
    assert.throws(() => jsonInt64(2 ** 60, 'x'), invalid(/64-bit integer/));
    assert.throws(() => jsonInt64('9223372036854775808', 'x'), invalid(/64-bit integer/));
  });

  it('spells non-finite floats as protobuf JSON does, both ways', () => {
    assert.equal(floatToJSON(NaN), 'NaN');
    assert.equal(floatToJSON(-Infinity), '-Infinity');
    assert.equal(floatToJSON(1.5), 1.5);
    assert.ok(Number.isNaN(jsonFloat('NaN', 'x')));
    assert.equal(jsonFloat('Infinity', 'x'), Infinity);
    assert.equal(jsonFloat('2.5', 'x'), 2.5);
    assert.throws(() => jsonFloat('', 'x'), invalid(/expected a number/));
    assert.throws(() => jsonFloat(true, 'x'), invalid(/expected a number/));
  });

  it('parses dictionary keys by key type', () => {
    assert.equal(jsonKeyInt32('-3', 'x'), -3);
    assert.equal(jsonKeyInt64('12345678901234567890'.slice(0, 19), 'x'), 1234567890123456789n);
    assert.equal(jsonKeyBool('true', 'x'), true);
    assert.throws(() => jsonKeyInt32('a', 'm'), invalid(/m: expected integer keys/));
    assert.throws(() => jsonKeyBool('1', 'm'), invalid(/"true" or "false" keys/));
  });

  it('names the element at fault in nested errors', () => {
    assert.throws(() => jsonArray([1, 'x'], 'f.list', jsonInt32), invalid(/f\.list\[1\]: expected a 32-bit integer/));
    assert.throws(() => jsonMap({ a: 1 }, 'f.m', (k) => k, jsonString), invalid(/f\.m\["a"\]: expected a string/));
  });

  it('never reads a field through the prototype', () => {
    const parsed = JSON.parse('{"a":1}') as Record<string, unknown>;
    assert.equal(jsonField(parsed, 'constructor'), undefined);
    assert.equal(jsonField(parsed, 'a'), 1);
  });

  it('keeps __proto__ an ordinary dictionary key in both directions', () => {
    const map = jsonMap(JSON.parse('{"__proto__":"x","b":"y"}'), 'm', (k) => k, jsonString);
    assert.deepEqual([...map.keys()], ['__proto__', 'b']);
    const json = mapToJSON(map, (v) => v);
    assert.equal(Object.getPrototypeOf(json), null);
    assert.equal(JSON.stringify(json), '{"__proto__":"x","b":"y"}');
  });
});
