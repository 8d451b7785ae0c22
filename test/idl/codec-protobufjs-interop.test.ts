import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import Long from 'long';
import protobuf from 'protobufjs';
import type { ProtoCodec } from '../../src/wire/proto-codec.js';
import { fixture, generate } from './helpers/generate.js';

/**
 * A message as a plain object. protobufjs objects are untyped, so this test reads them (and the
 * generated structs, loaded at run time) freely.
 */
type Obj = Record<string, any>;

const TO_OBJECT = { longs: String, bytes: Array, defaults: true, arrays: true, objects: true } as const;

let Family: ProtoCodec<Obj>;
let Pet: ProtoCodec<Obj>;
let root: protobuf.Root;

before(async () => {
  const gen = generate([fixture('zoo.idl')], { proto: true });
  const zoo = await gen.load('zoo');
  Family = zoo.Family as ProtoCodec<Obj>;
  Pet = zoo.Pet as ProtoCodec<Obj>;
  root = protobuf.loadSync(path.join(gen.dir, 'zoo.proto'));
});

/** A family exercising every mapping, with the awkward values the task names. */
function sample(): Obj {
  return Family.create({
    name: 'Ünïcødé 🐶 名字',
    pets: [Pet.create({ name: 'rex', kind: 2, legs: -4, age: -2147483648, id: 2n ** 60n + 1n, weight: 0.1, height: -1e300, tame: true, photo: new Uint8Array([0, 255, 7]), home: { x: -1, y: 2147483647 } }), Pet.create()],
    byName: new Map([['über', Pet.create({ name: 'x', id: -(2n ** 63n) })], ['', Pet.create()]]),
    history: [new Map(), new Map([['h', Pet.create({ age: 3 })]])],
    grid: [['a', 'β'], []],
    scores: [1, -2, 300, -2147483648],
    bigs: [9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n, 0n],
    floats: [1.5, Math.fround(0.1), -3.4028234663852886e38],
    doubles: [Math.PI, -0.5, 5e-324],
    flags: [true, false, true],
    matrix: [[1, -1], [], [2147483647]],
    tagsById: new Map([[-7, ['neg']], [0, []]]),
    weights: new Map([[9007199254740993n, 2.5], [-1n, -0.25]]),
    nested: new Map([[true, new Map([['a', -1]])], [false, new Map()]]),
    blobs: new Map([['empty', new Uint8Array(0)], ['one', new Uint8Array([1])]]),
    chunks: [new Uint8Array([9, 8]), new Uint8Array(0)],
    leader: Pet.create({ name: 'lead', id: -1n }),
    path: [{ x: 1, y: -1 }],
  });
}

const bytesOf = (u: Uint8Array): number[] => [...u];

describe('our binary codec and protobufjs (loading our exported .proto) read each other', () => {
  it('protobufjs decodes what we encode, field by field', () => {
    const v = sample();
    const m = root.lookupType('zoo.Family');
    const o = m.toObject(m.decode(Family.encode(v)), TO_OBJECT) as Obj;
    assert.equal(o.name, v.name);
    assert.equal(o.pets.length, 2);
    const rex = o.pets[0];
    assert.deepEqual(
      [rex.name, rex.kind, rex.legs, rex.age, rex.id, rex.tame, rex.home],
      ['rex', 2, -4, -2147483648, (2n ** 60n + 1n).toString(), true, { x: -1, y: 2147483647 }],
    );
    assert.equal(rex.weight, Math.fround(0.1));
    assert.equal(rex.height, -1e300);
    assert.deepEqual(rex.photo, [0, 255, 7]);
    assert.equal(o.pets[1].id, '0');
    assert.equal(o.byName['über'].id, (-(2n ** 63n)).toString());
    assert.deepEqual(Object.keys(o.byName).sort(), ['', 'über']);
    assert.deepEqual(o.history.map((h: Obj) => Object.keys(h.value)), [[], ['h']]);
    assert.equal(o.history[1].value.h.age, 3);
    assert.deepEqual(o.grid.map((g: Obj) => g.value), [['a', 'β'], []]);
    assert.deepEqual(o.scores, [1, -2, 300, -2147483648]);
    assert.deepEqual(o.bigs, ['9007199254740993', '-9223372036854775808', '9223372036854775807', '0']);
    assert.deepEqual(o.floats, [1.5, Math.fround(0.1), -3.4028234663852886e38]);
    assert.deepEqual(o.doubles, [Math.PI, -0.5, 5e-324]);
    assert.deepEqual(o.flags, [true, false, true]);
    assert.deepEqual(o.matrix.map((r: Obj) => r.value), [[1, -1], [], [2147483647]]);
    assert.deepEqual(o.tagsById['-7'].value, ['neg']);
    assert.deepEqual(o.tagsById['0'].value, []);
    assert.deepEqual(o.weights, { '9007199254740993': 2.5, '-1': -0.25 });
    assert.deepEqual(o.nested.true.value, { a: -1 });
    assert.deepEqual(o.nested.false.value, {});
    assert.deepEqual(o.blobs, { empty: [], one: [1] });
    assert.deepEqual(o.chunks, [[9, 8], []]);
    assert.equal(o.leader.id, '-1');
    assert.deepEqual(o.path, [{ x: 1, y: -1 }]);
  });

  it('we decode what protobufjs encodes, field by field', () => {
    const m = root.lookupType('zoo.Family');
    const msg = m.fromObject({
      name: 'Ünïcødé 🐶',
      pets: [{ name: 'rex', age: -5, id: Long.fromString('-9007199254740993'), weight: 2.5, home: { x: -3 } }],
      byName: { k: { legs: 4 } },
      history: [{ value: { a: { name: 'a' } } }, {}],
      grid: [{ value: ['x', 'y'] }, { value: [] }],
      scores: [-1, 0, 1],
      bigs: [Long.fromString('18014398509481985'), Long.fromString('-2')],
      floats: [0.5],
      doubles: [-1e-10],
      flags: [false, true],
      matrix: [{ value: [] }, { value: [7, -7] }],
      tagsById: { '-3': { value: ['t'] } },
      weights: { '-9223372036854775808': 1 },
      nested: { true: { value: { z: 26 } } },
      blobs: { b: new Uint8Array([1, 2]) },
      chunks: [new Uint8Array([3])],
      path: [{ x: 1 }, {}],
    });
    const v = Family.decode(m.encode(msg).finish());
    assert.equal(v.name, 'Ünïcødé 🐶');
    assert.deepEqual(v.pets, [Pet.create({ name: 'rex', age: -5, id: -9007199254740993n, weight: 2.5, home: { x: -3, y: 0 } })]);
    assert.deepEqual(v.byName, new Map([['k', Pet.create({ legs: 4 })]]));
    assert.deepEqual(v.history, [new Map([['a', Pet.create({ name: 'a' })]]), new Map()]);
    assert.deepEqual(v.grid, [['x', 'y'], []]);
    assert.deepEqual(v.scores, [-1, 0, 1]);
    assert.deepEqual(v.bigs, [18014398509481985n, -2n]);
    assert.deepEqual(v.floats, [0.5]);
    assert.deepEqual(v.doubles, [-1e-10]);
    assert.deepEqual(v.flags, [false, true]);
    assert.deepEqual(v.matrix, [[], [7, -7]]);
    assert.deepEqual(v.tagsById, new Map([[-3, ['t']]]));
    assert.deepEqual(v.weights, new Map([[-(2n ** 63n), 1]]));
    assert.deepEqual(v.nested, new Map([[true, new Map([['z', 26]])]]));
    assert.deepEqual(bytesOf(v.blobs.get('b')), [1, 2]);
    assert.deepEqual(v.chunks.map(bytesOf), [[3]]);
    assert.deepEqual(v.leader, Pet.create(), 'a missing struct reads as its default value');
    assert.deepEqual(v.path, [{ x: 1, y: 0 }, { x: 0, y: 0 }]);
  });

  it('an all-default struct encodes to nothing but its nested struct, and decodes to defaults', () => {
    const empty = Family.create();
    const m = root.lookupType('zoo.Family');
    const o = m.toObject(m.decode(Family.encode(empty)), TO_OBJECT) as Obj;
    assert.deepEqual([o.name, o.pets, o.byName, o.scores, o.bigs, o.chunks], ['', [], {}, [], [], []]);
    assert.deepEqual(Family.decode(new Uint8Array(0)), empty);
  });

  it('reads numeric sequences whether packed (as we and protobufjs write them) or not', () => {
    const w = protobuf.Writer.create();
    for (const n of [5, -6]) w.uint32((6 << 3) | 0).int32(n);
    w.uint32((6 << 3) | 2).fork().int32(7).ldelim();
    for (const d of [0.5, 1.5]) w.uint32((9 << 3) | 1).double(d);
    w.uint32((10 << 3) | 0).bool(true);
    const v = Family.decode(w.finish());
    assert.deepEqual(v.scores, [5, -6, 7]);
    assert.deepEqual(v.doubles, [0.5, 1.5]);
    assert.deepEqual(v.flags, [true]);
  });

  it('skips fields it does not know, as protobuf readers must', () => {
    const bytes = Pet.encode(Pet.create({ name: 'a', age: 1 }));
    const extra = protobuf.Writer.create().uint32((99 << 3) | 2).string('future').uint32((98 << 3) | 0).int32(-1).finish();
    const joined = new Uint8Array([...extra, ...bytes]);
    assert.deepEqual(Pet.decode(joined), Pet.create({ name: 'a', age: 1 }));
  });

  it('exports services whose rpcs name the argument and result messages', () => {
    const keeper = root.lookupService('zoo.Keeper');
    const adopt = keeper.methods.adopt!;
    assert.equal(adopt.requestType, 'Keeper_adopt_Args');
    assert.equal(adopt.responseType, 'Keeper_adopt_Result');
    const stats = root.lookupType('zoo.Keeper_stats_Result');
    assert.equal(stats.fields.value!.map ? 'map' : 'scalar', 'map');
    assert.ok(root.lookupService('zoo.HeadKeeper').methods.promote);
  });
});
