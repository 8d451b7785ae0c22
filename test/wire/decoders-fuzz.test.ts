/**
 * Property tests for every wire decoder: whatever bytes a peer sends, however the stream splits
 * them, a decoder either succeeds or throws a ProtocolError with a catalogued code, never anything
 * else; and what our encoders write, our decoders read back unchanged.
 *
 * Run counts: 100,000 per decoder where one run is cheap (one decode of at most a few dozen bytes).
 * The JSON/handshake parsers (JSON generation dominates) run 50,000 times each and the chunked
 * stream properties (two decoders and several pushes per run) 30,000 times, to keep the whole file
 * near 20 s on a 2-core machine.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeFramePackets,
  decodeMessage,
  encodeMessage,
  encodePacket,
  MAX_MESSAGE_ID,
  MessageType,
  PacketStreamDecoder,
  PacketType,
  parseHandshake,
  parseJsonBody,
  ProtocolError,
  ProtocolErrorCodes,
  RouteDictionary,
  type Message,
  type MessageSpec,
  type Packet,
} from '../../src/wire/index.js';

const CHEAP_RUNS = 100_000;
const PARSE_RUNS = 50_000;
const CHUNKED_RUNS = 30_000;

/** Runs `fn`; a throw passes only when it is a ProtocolError with a catalogued code. Returns it. */
function onlyProtocolErrors(fn: () => void): ProtocolError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof ProtocolError && Object.hasOwn(ProtocolErrorCodes, err.code)) return err;
    throw err;
  }
}

/** Splits `bytes` at the given cut points (taken modulo the length, in order). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length ? c % (bytes.length + 1) : 0)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

/** What a decoder produced from a byte stream: packets (copied) and the error that ended it. */
interface Outcome {
  packets: [number, string][];
  error: string | undefined;
  consumed: number;
}

const copy = (p: Packet): [number, string] => [p.type, Buffer.from(p.body).toString('hex')];

function runStream(chunks: Uint8Array[], max: number): Outcome {
  const decoder = new PacketStreamDecoder(max);
  const packets: [number, string][] = [];
  let consumed = 0;
  for (const chunk of chunks) {
    const err = onlyProtocolErrors(() =>
      decoder.push(chunk, (p) => {
        packets.push(copy(p));
        consumed += 4 + p.body.length;
      }),
    );
    if (err) {
      // A failed decoder stays failed, with a ProtocolError too.
      const again = onlyProtocolErrors(() => decoder.push(Uint8Array.of(PacketType.Heartbeat, 0, 0, 0), () => assert.fail('packet after failure')));
      assert.equal(again?.code, 'ERR_STATE');
      return { packets, error: err.code, consumed };
    }
  }
  return { packets, error: undefined, consumed };
}

function runFrame(bytes: Uint8Array, max: number): Outcome {
  const packets: [number, string][] = [];
  let consumed = 0;
  const err = onlyProtocolErrors(() =>
    decodeFramePackets(bytes, max, (p) => {
      packets.push(copy(p));
      consumed += 4 + p.body.length;
    }),
  );
  return { packets, error: err?.code, consumed };
}

/** Bytes that look like packets: mostly valid types, lengths that may or may not match the bytes. */
const arbPacketish: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.record({
      type: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
      length: fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 40 }) }, { weight: 1, arbitrary: fc.nat({ max: 0xffffff }) }),
      body: fc.uint8Array({ maxLength: 40 }),
    }),
    { maxLength: 6 },
  )
  .map((parts) =>
    Buffer.concat(parts.map(({ type, length, body }) => Buffer.concat([Uint8Array.of(type, length >>> 16, (length >>> 8) & 0xff, length & 0xff), body]))),
  );

const arbStreamBytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), arbPacketish);
const arbMax = fc.oneof(fc.constant(64 * 1024), fc.nat({ max: 48 }));
const arbCuts = fc.array(fc.nat(), { maxLength: 8 });

const dict = new RouteDictionary([
  ['chat.chatHandler.send', 1],
  ['onChat', 2],
  ['area.playerHandler.move', 0x0100],
  ['onKick', 0xffff],
]);
const dictCodes = [1, 2, 0x0100, 0xffff];

/** Bytes that look like messages: any flag, then varint-ish and route-ish bytes. */
const arbMessageish: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.array(fc.oneof(fc.integer({ min: 0x80, max: 0xff }), fc.integer({ min: 0, max: 0x7f })), { maxLength: 6 }),
    fc.oneof(fc.constantFrom(...dictCodes).map((c) => [c >> 8, c & 0xff]), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 3 })),
    fc.uint8Array({ maxLength: 20 }),
  )
  .map(([flag, id, route, rest]) => Uint8Array.of(flag, ...id, ...route, ...rest));

describe('decoders given arbitrary bytes throw only ProtocolError', () => {
  it(`PacketStreamDecoder, arbitrary chunking gives the same packets and error as one chunk (${CHUNKED_RUNS} runs)`, () => {
    fc.assert(
      fc.property(arbStreamBytes, arbMax, arbCuts, (bytes, max, cuts) => {
        const whole = runStream([bytes], max);
        const chunked = runStream(split(bytes, cuts), max);
        assert.deepEqual(chunked, whole);
      }),
      { numRuns: CHUNKED_RUNS },
    );
  });

  it(`PacketStreamDecoder and decodeFramePackets, one frame: same packets, same error (${CHEAP_RUNS} runs)`, () => {
    fc.assert(
      fc.property(arbStreamBytes, arbMax, (bytes, max) => {
        const frame = runFrame(bytes, max);
        const stream = runStream([bytes], max);
        assert.deepEqual(frame.packets, stream.packets);
        if (stream.error) assert.equal(frame.error, stream.error);
        else if (stream.consumed < bytes.length) assert.equal(frame.error, 'ERR_PACKET_TRUNCATED', 'bytes left over');
        else assert.equal(frame.error, undefined);
      }),
      { numRuns: CHEAP_RUNS },
    );
  });

  it(`decodeMessage with and without a dictionary (${CHEAP_RUNS} runs each)`, () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 32 }), arbMessageish);
    fc.assert(
      fc.property(bytes, (b) => {
        let msg: Message | undefined;
        if (onlyProtocolErrors(() => void (msg = decodeMessage(b, dict))) || !msg) return;
        // What does decode stays within the protocol's ranges.
        assert.ok(msg.type >= 0 && msg.type <= 3);
        assert.ok(Number.isInteger(msg.id) && msg.id >= 0 && msg.id <= MAX_MESSAGE_ID);
        assert.ok(msg.body.length <= b.length - 1);
        if (msg.routeCode) assert.equal(dict.routeOf(msg.routeCode), msg.route);
      }),
      { numRuns: CHEAP_RUNS },
    );
    fc.assert(
      fc.property(bytes, (b) => {
        onlyProtocolErrors(() => decodeMessage(b));
      }),
      { numRuns: CHEAP_RUNS },
    );
  });

  it(`parseHandshake and parseJsonBody on arbitrary bytes and JSON-like text (${PARSE_RUNS} runs each)`, () => {
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const text = fc.oneof(
      fc.json(),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.jsonValue().map((v) => JSON.stringify({ sys: v, user: v })),
      fc.jsonValue().map((v) => `{"__proto__":${JSON.stringify(v)},"constructor":{"prototype":${JSON.stringify(v)}}}`),
    );
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 48 }), text.map((s) => new Uint8Array(Buffer.from(s, 'utf8'))));
    fc.assert(
      fc.property(bytes, (b) => {
        onlyProtocolErrors(() => void parseHandshake(b));
      }),
      { numRuns: PARSE_RUNS },
    );
    fc.assert(
      fc.property(bytes, (b) => {
        onlyProtocolErrors(() => void parseJsonBody(b));
      }),
      { numRuns: PARSE_RUNS },
    );
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoBefore, 'Object.prototype unchanged');
  });
});

describe('round trips', () => {
  const arbSpec: fc.Arbitrary<MessageSpec> = fc
    .record({
      type: fc.constantFrom(MessageType.Request, MessageType.Notify, MessageType.Response, MessageType.Push),
      id: fc.oneof(fc.integer({ min: 0, max: MAX_MESSAGE_ID }), fc.constantFrom(0, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, MAX_MESSAGE_ID)),
      route: fc.string({ unit: 'binary', maxLength: 80 })// Well-formed text only: a lone surrogate has no UTF-8 form to round-trip.
      .filter((r) => Buffer.byteLength(r) <= 255 && Buffer.from(r).toString() === r),
      code: fc.option(fc.constantFrom(...dictCodes), { nil: undefined }),
      compressed: fc.boolean(),
      error: fc.boolean(),
      body: fc.uint8Array({ maxLength: 64 }),
    })
    .map(({ code, ...rest }) => (code === undefined ? rest : { ...rest, route: dict.routeOf(code)!, routeCode: code }));

  it(`encodeMessage → decodeMessage keeps every field (${CHEAP_RUNS} runs)`, () => {
    fc.assert(
      fc.property(arbSpec, (spec) => {
        const m = decodeMessage(encodeMessage(spec), dict);
        const hasId = spec.type === MessageType.Request || spec.type === MessageType.Response;
        const hasRoute = spec.type !== MessageType.Response;
        assert.equal(m.type, spec.type);
        assert.equal(m.id, hasId ? spec.id : 0);
        assert.equal(m.route, hasRoute ? spec.route : '');
        assert.equal(m.routeCode, hasRoute ? (spec.routeCode ?? 0) : 0);
        assert.equal(m.compressed, spec.compressed);
        assert.equal(m.error, spec.error);
        assert.deepEqual(Buffer.from(m.body), Buffer.from(spec.body!));
      }),
      { numRuns: CHEAP_RUNS },
    );
  });

  it(`encodePacket → PacketStreamDecoder under random chunking (${CHUNKED_RUNS} runs)`, () => {
    const arbPackets = fc.array(
      fc.record({ type: fc.integer({ min: 1, max: 5 }) as fc.Arbitrary<PacketType>, body: fc.uint8Array({ maxLength: 300 }) }),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(arbPackets, fc.array(fc.nat(), { maxLength: 20 }), (list, cuts) => {
        const stream = Buffer.concat(list.map((p) => encodePacket(p.type, p.body)));
        const decoder = new PacketStreamDecoder(300);
        const got: [number, string][] = [];
        for (const chunk of split(stream, cuts)) decoder.push(chunk, (p) => got.push(copy(p)));
        assert.deepEqual(got, list.map((p) => [p.type, Buffer.from(p.body).toString('hex')]));
        assert.equal(decoder.bufferedBytes, 0);
      }),
      { numRuns: CHUNKED_RUNS },
    );
  });
});
