/**
 * Every decoder a peer can reach, fed random input: each bad input must end in a typed error
 * (a SwitchyardError with a documented code), never another exception or a hang. FUZZ_RUNS sets
 * the cases per decoder: 100,000 in `npm test`, more with `npm run fuzz`.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeFramedJson } from '../../src/cluster/framed-json.js';
import { parseRouteTable } from '../../src/cluster/route-table-files.js';
import { decodeSnapshot } from '../../src/cluster/session-snapshot.js';
import { decodeEnvelope } from '../../src/rpc/envelope-decoder.js';
import { RpcCodes } from '../../src/rpc/errors.js';
import { FrameDecoder } from '../../src/transport/frame-decoder.js';
import {
  decodeFramePackets,
  decodeMessage,
  PacketStreamDecoder,
  parseHandshake,
  ProtocolErrorCodes,
  RouteDictionary,
  SwitchyardError,
} from '../../src/wire/index.js';
import { generate } from '../idl/helpers/generate.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const KNOWN = new Set<string>([...Object.keys(ProtocolErrorCodes), ...Object.keys(RpcCodes), 'ERR_CONFIG']);

/** Runs `decode` and fails the property unless it returns or throws a documented typed error. */
function typedOrOk(decode: () => unknown): boolean {
  try {
    decode();
    return true;
  } catch (err) {
    if (err instanceof SwitchyardError && KNOWN.has(err.code)) return true;
    throw new Error(`untyped failure: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
}

const bytes = fc.uint8Array({ maxLength: 512 });
/** Bytes biased towards the protocols' own shapes: a plausible header, then random bytes. */
const packetish = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 600 }), bytes).map(([type, len, rest]) => {
  const out = new Uint8Array(4 + rest.length);
  out.set([type, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff]);
  out.set(rest, 4);
  return out;
});
const jsonish = fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify({ sys: v, user: v })));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe(`peer-reachable decoders, ${RUNS} cases each`, () => {
  test('client packets: stream decoder under random chunking', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, packetish), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }), (input, cuts) =>
        typedOrOk(() => {
          const d = new PacketStreamDecoder(256);
          let at = 0;
          for (const n of [...cuts, input.length]) {
            d.push(input.subarray(at, at + n), () => {});
            at += n;
            if (at >= input.length) break;
          }
        }),
      ),
      { numRuns: RUNS },
    );
  });

  test('client packets: whole WebSocket frames', () => {
    fc.assert(fc.property(fc.oneof(bytes, packetish), (input) => typedOrOk(() => decodeFramePackets(input, 256, () => {}))), { numRuns: RUNS });
  });

  test('message headers, with and without a route dictionary', () => {
    const dict = new RouteDictionary([['a.b', 1], ['chat.say', 2]]);
    fc.assert(fc.property(bytes, fc.boolean(), (input, withDict) => typedOrOk(() => decodeMessage(input, withDict ? dict : undefined))), { numRuns: RUNS });
  });

  test('handshake JSON', () => {
    fc.assert(fc.property(fc.oneof(bytes, jsonish.map(utf8)), (input) => typedOrOk(() => parseHandshake(input))), { numRuns: RUNS });
  });

  test('server-to-server frames (length-prefixed) and envelopes', () => {
    fc.assert(
      // Each decoder on its own: one that threw must not keep the other from seeing the input.
      fc.property(bytes, (input) => typedOrOk(() => new FrameDecoder(() => {}, { maxFrameBytes: 256 }).push(input)) && typedOrOk(() => decodeEnvelope(input))),
      { numRuns: RUNS },
    );
  });

  test('forwarded session snapshots and framed JSON', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, jsonish.map(utf8)), (input) => typedOrOk(() => decodeSnapshot(input)) && typedOrOk(() => decodeFramedJson(input))),
      { numRuns: RUNS },
    );
  });

  test('route table files', () => {
    const text = fc.oneof(fc.string(), fc.json(), fc.dictionary(fc.string(), fc.jsonValue()).map((o) => JSON.stringify(o)));
    fc.assert(
      fc.property(text, text, (dest, msg) =>
        typedOrOk(() => parseRouteTable({ destMap: { file: 'dest_map.json', text: dest }, messageMap: { file: 'message_map.json', text: msg } })),
      ),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });

  describe('generated binary codecs', () => {
    let codecs: { name: string; decode: (b: Uint8Array) => unknown }[] = [];
    before(async () => {
      const mod = await generate(['test/idl/fixtures/zoo.idl'], { proto: false }).load('zoo');
      codecs = Object.entries(mod)
        .filter(([, v]) => typeof v === 'object' && v !== null && typeof (v as { decode?: unknown }).decode === 'function')
        .map(([name, v]) => ({ name, decode: (v as { decode: (b: Uint8Array) => unknown }).decode }));
    });
    test('every struct codec of a realistic IDL', () => {
      assert.ok(codecs.length > 3, `found ${codecs.length} codecs`);
      fc.assert(fc.property(bytes, fc.nat(), (input, pick) => typedOrOk(() => codecs[pick % codecs.length]!.decode(input))), { numRuns: RUNS });
    });
  });
});
