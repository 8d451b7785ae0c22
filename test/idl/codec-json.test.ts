import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ProtocolError } from '../../src/wire/errors.js';
import { fixture, generate } from './helpers/generate.js';

type Obj = Record<string, any>; // generated modules are loaded at run time, so untyped here

let zoo: Obj;

before(async () => {
  zoo = await generate([fixture('zoo.idl')], { proto: false }).load('zoo');
});

const invalid = (pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ProtocolError, String(err));
  assert.match(err.message, pattern);
  return true;
};

describe('generated JSON body form', () => {
  it('writes longs as decimal strings, bytes as base64, non-finite floats as strings', () => {
    const pet = zoo.Pet.create({ name: 'ü', id: 2n ** 63n - 1n, weight: NaN, height: -Infinity, photo: new Uint8Array([0xfb, 0xff]) });
    assert.deepEqual(zoo.Pet.toJSON(pet), {
      name: 'ü', kind: 0, legs: 0, age: 0, id: '9223372036854775807', weight: 'NaN', height: '-Infinity', tame: false, photo: '+/8=', home: { x: 0, y: 0 },
    });
  });

  it('writes dictionaries as objects with string keys, containers of containers as nested arrays', () => {
    const json = zoo.Family.toJSON(
      zoo.Family.create({
        weights: new Map([[-(2n ** 63n), 1.5]]),
        nested: new Map([[true, new Map([['a', 1]])]]),
        tagsById: new Map([[-1, ['x']]]),
        matrix: [[1], []],
        bigs: [1n],
      }),
    );
    assert.equal(
      JSON.stringify([json.weights, json.nested, json.tagsById, json.matrix, json.bigs]),
      '[{"-9223372036854775808":1.5},{"true":{"a":1}},{"-1":["x"]},[[1],[]],["1"]]',
    );
  });

  it('reads absent fields and a missing nested struct as defaults, and longs given as numbers', () => {
    const fam = zoo.Family.fromJSON({ name: 'n', leader: { id: 12 }, bigs: [3, '4'] });
    assert.deepEqual(fam, zoo.Family.create({ name: 'n', leader: zoo.Pet.create({ id: 12n }), bigs: [3n, 4n] }));
    assert.deepEqual(zoo.Pet.fromJSON({}).home, { x: 0, y: 0 });
  });

  it('names the field at fault, however deep', () => {
    assert.throws(() => zoo.Family.fromJSON({ pets: [{}, { age: 'x' }] }), invalid(/Family\.pets\[1\]\.age: expected a 32-bit integer/));
    assert.throws(() => zoo.Family.fromJSON({ weights: { nope: 1 } }), invalid(/Family\.weights: expected a 64-bit integer, got "nope"/));
    assert.throws(() => zoo.Family.fromJSON({ leader: { home: [] } }), invalid(/Family\.leader\.home: expected an object/));
    assert.throws(() => zoo.Pet.fromJSON('pet'), invalid(/^message body could not be decoded: Pet: expected an object/));
  });

  it('keeps __proto__ an ordinary dictionary key', () => {
    const fam = zoo.Family.fromJSON(JSON.parse('{"byName":{"__proto__":{"name":"p"}}}'));
    assert.deepEqual([...fam.byName.keys()], ['__proto__']);
    assert.equal(fam.byName.get('__proto__').name, 'p');
    assert.equal((Object.prototype as Obj).name, undefined, 'no prototype was polluted');
    assert.match(JSON.stringify(zoo.Family.toJSON(fam)), /"byName":\{"__proto__":\{"name":"p"/);
  });

  it('ignores fields it does not know, as the binary form does', () => {
    assert.deepEqual(zoo.Pet.fromJSON({ name: 'a', colour: 'red' }), zoo.Pet.create({ name: 'a' }));
  });
});
