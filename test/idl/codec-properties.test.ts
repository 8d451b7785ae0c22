import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { CallContext, OperationEntry } from '../../src/rpc/call.js';
import { RpcError } from '../../src/rpc/errors.js';
import type { OperationCodecs } from '../../src/rpc/proxy-base.js';
import { ProtocolError } from '../../src/wire/errors.js';
import type { BinaryCodec, ProtoCodec } from '../../src/wire/proto-codec.js';
import { fixture, generate } from './helpers/generate.js';

const codecs: Record<string, ProtoCodec<unknown>> = {};
const operations: OperationCodecs<unknown, unknown>[] = [];
let keeperEntries: readonly OperationEntry[] = [];

before(async () => {
  const zoo = await generate([fixture('zoo.idl')], { proto: false }).load('zoo');
  for (const name of ['Pet', 'Family', 'Node', 'Empty']) codecs[name] = zoo[name] as ProtoCodec<unknown>;
  for (const [name, value] of Object.entries(zoo)) {
    if (name.startsWith('$')) operations.push(value as OperationCodecs<unknown, unknown>);
  }
  keeperEntries = (zoo.HeadKeeper as { operations: readonly OperationEntry[] }).operations;
});

const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const str = fc.string({ unit: 'binary', maxLength: 10 });
const bytes = fc.uint8Array({ maxLength: 10 });
const small = { maxLength: 4 };
/** Plain objects only: decoders build ordinary objects, and deepStrictEqual compares prototypes. */
const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> => fc.record(model, { noNullPrototype: true });
const mapOf = <K, V>(k: fc.Arbitrary<K>, v: fc.Arbitrary<V>): fc.Arbitrary<Map<K, V>> =>
  fc.uniqueArray(fc.tuple(k, v), { selector: (e) => e[0], maxLength: 4 }).map((entries) => new Map(entries));

/** Arbitraries for the zoo fixture's structs; `f32`/`f64` chosen per property (JSON cannot keep -0). */
function zooArbitraries(f32: fc.Arbitrary<number>, f64: fc.Arbitrary<number>) {
  const point = record({ x: i32, y: i32 });
  const pet = record({ name: str, kind: i32, legs: i32, age: i32, id: i64, weight: f32, height: f64, tame: fc.boolean(), photo: bytes, home: point });
  const family = record({
    name: str,
    pets: fc.array(pet, small),
    byName: mapOf(str, pet),
    history: fc.array(mapOf(str, pet), small),
    grid: fc.array(fc.array(str, small), small),
    scores: fc.array(i32, small),
    bigs: fc.array(i64, small),
    floats: fc.array(f32, small),
    doubles: fc.array(f64, small),
    flags: fc.array(fc.boolean(), small),
    matrix: fc.array(fc.array(i32, small), small),
    tagsById: mapOf(i32, fc.array(str, small)),
    weights: mapOf(i64, f64),
    nested: mapOf(fc.boolean(), mapOf(str, i32)),
    blobs: mapOf(str, bytes),
    chunks: fc.array(bytes, small),
    leader: pet,
    path: fc.array(point, small),
  });
  const { node } = fc.letrec((tie) => ({
    node: record({
      label: str,
      children: fc.oneof(
        { maxDepth: 4, depthIdentifier: 'node' },
        fc.constant([]),
        fc.array(tie('node'), { maxLength: 3, depthIdentifier: 'node' }),
      ),
    }),
  }));
  return { Pet: pet, Family: family, Node: node, Empty: fc.constant({}) };
}

const binary = zooArbitraries(fc.float(), fc.double());
const noNegZero = (n: number): number => (Object.is(n, -0) ? 0 : n);
const json = zooArbitraries(fc.float().map(noNegZero), fc.double().map(noNegZero));

/** Runs `fn`; anything thrown must be ProtocolError('ERR_BODY_INVALID'). */
function onlyProtocolErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ProtocolError) || err.code !== 'ERR_BODY_INVALID') throw err;
  }
}

describe('generated codecs: properties', () => {
  for (const name of ['Pet', 'Family', 'Node', 'Empty'] as const) {
    it(`decode(encode(x)) equals x for ${name}`, () => {
      fc.assert(
        fc.property(binary[name], (x) => {
          const codec = codecs[name]!;
          assert.deepStrictEqual(codec.decode(codec.encode(x)), x);
        }),
        { numRuns: name === 'Family' ? 300 : 1000 },
      );
    });

    it(`fromJSON(toJSON(x)) equals x for ${name}, through JSON text`, () => {
      fc.assert(
        fc.property(json[name], (x) => {
          const codec = codecs[name]!;
          assert.deepStrictEqual(codec.fromJSON(JSON.parse(JSON.stringify(codec.toJSON(x)))), x);
        }),
        { numRuns: name === 'Family' ? 200 : 500 },
      );
    });
  }

  it('random bytes given to any struct decode throw ProtocolError or decode, nothing else', () => {
    const names = Object.keys(codecs);
    fc.assert(
      fc.property(fc.nat(names.length - 1), fc.uint8Array({ maxLength: 48 }), (i, input) => {
        onlyProtocolErrors(() => codecs[names[i]!]!.decode(input));
      }),
      { numRuns: 20000 },
    );
  });

  it('valid encodings, corrupted or cut short, throw ProtocolError or decode, nothing else', () => {
    const corrupt = fc.record({ family: binary.Family, at: fc.nat(), byte: fc.nat(255), cut: fc.nat() });
    fc.assert(
      fc.property(corrupt, ({ family, at, byte, cut }) => {
        const bytes = codecs.Family!.encode(family).slice();
        if (bytes.length === 0) return;
        bytes[at % bytes.length] = byte;
        onlyProtocolErrors(() => codecs.Family!.decode(bytes));
        onlyProtocolErrors(() => codecs.Family!.decode(bytes.subarray(0, cut % bytes.length)));
      }),
      { numRuns: 4000 },
    );
  });

  it('random bytes given to operation argument and result codecs throw ProtocolError or decode', () => {
    const all: BinaryCodec<unknown>[] = operations.flatMap((op) => [op.args, op.result]);
    fc.assert(
      fc.property(fc.nat(all.length - 1), fc.uint8Array({ maxLength: 48 }), (i, input) => {
        onlyProtocolErrors(() => all[i]!.decode(input));
      }),
      { numRuns: 10000 },
    );
  });

  it('random bytes reaching a servant fail with RpcError(bad_payload), never anything else', () => {
    const ctx: CallContext = { route: '', extra: {}, signal: new AbortController().signal, caller: undefined };
    const servant = new Proxy({}, { get: () => () => { throw new RpcError('internal', 'reached the servant'); } });
    fc.assert(
      fc.property(fc.nat(keeperEntries.length - 1), fc.uint8Array({ maxLength: 32 }), (i, input) => {
        try {
          keeperEntries[i]!.invoke(servant, input, ctx);
        } catch (err) {
          assert.ok(err instanceof RpcError, String(err));
          assert.ok(err.code === 'bad_payload' || err.message === 'reached the servant', err.message);
        }
      }),
      { numRuns: 10000 },
    );
  });

  it('any JSON value given to fromJSON yields a value or ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(codecs)), fc.jsonValue({ maxDepth: 3 }), (name, value) => {
        onlyProtocolErrors(() => codecs[name]!.fromJSON(value));
        onlyProtocolErrors(() => codecs[name]!.fromJSON({ pets: value, byName: value, scores: value, name: value, leader: value }));
      }),
      { numRuns: 5000 },
    );
  });
});
