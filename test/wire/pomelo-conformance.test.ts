/**
 * Conformance of our packet and message codecs with two independent implementations of the pomelo
 * client protocol: the npm packages `pomelo-protocol` (the original) and `pinus-protocol` (its
 * TypeScript successor). Each case encodes with theirs and decodes with ours, encodes with ours and
 * decodes with theirs, and checks that both encoders produce the same bytes.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  decodeFramePackets,
  decodeMessage,
  encodeHandshake,
  encodeJsonBody,
  encodeMessage,
  encodeMessagePacket,
  encodePacket,
  MessageType,
  PACKET_MAX_BODY,
  PacketStreamDecoder,
  PacketType,
  parseHandshake,
  parseJsonBody,
  RouteDictionary,
  type Message,
  type Packet,
} from '../../src/wire/index.js';

/** What `Package.decode` returns for one packet. */
interface TheirPacket {
  type: number;
  body: Buffer | null;
}

/** What `Message.decode` returns. */
interface TheirMessage {
  id: number;
  type: number;
  compressRoute: number;
  route: string | number | null;
  body: Buffer;
  compressGzip: number;
}

/** The part of both packages' API these tests use. */
interface Codec {
  Package: {
    TYPE_HANDSHAKE: number;
    TYPE_HANDSHAKE_ACK: number;
    TYPE_HEARTBEAT: number;
    TYPE_DATA: number;
    TYPE_KICK: number;
    encode(type: number, body?: Uint8Array): Buffer;
    decode(buffer: Uint8Array): TheirPacket | TheirPacket[];
  };
  Message: {
    TYPE_REQUEST: number;
    TYPE_NOTIFY: number;
    TYPE_RESPONSE: number;
    TYPE_PUSH: number;
    encode(
      id: number,
      type: number,
      compressRoute: boolean | number,
      route: string | number | null,
      msg: Uint8Array | null,
      compressGzip?: boolean,
    ): Buffer;
    decode(buffer: Uint8Array): TheirMessage;
  };
  strencode(s: string): Uint8Array;
  strdecode(b: Uint8Array): string;
}

const require = createRequire(import.meta.url);
const pomeloModule = require('pomelo-protocol') as Omit<Codec, 'strencode' | 'strdecode'> & Pick<Codec, 'strencode' | 'strdecode'>;
const pinusModule = require('pinus-protocol') as Omit<Codec, 'strencode' | 'strdecode'> & {
  Protocol: Pick<Codec, 'strencode' | 'strdecode'>;
};

const codecs: [string, Codec][] = [
  ['pomelo-protocol', pomeloModule],
  [
    'pinus-protocol',
    {
      Package: pinusModule.Package,
      Message: pinusModule.Message,
      strencode: pinusModule.Protocol.strencode,
      strdecode: pinusModule.Protocol.strdecode,
    },
  ],
];

const packetTypes: [string, PacketType][] = [
  ['handshake', PacketType.Handshake],
  ['handshake-ack', PacketType.HandshakeAck],
  ['heartbeat', PacketType.Heartbeat],
  ['data', PacketType.Data],
  ['kick', PacketType.Kick],
];

const messageTypes: [string, MessageType][] = [
  ['request', MessageType.Request],
  ['notify', MessageType.Notify],
  ['response', MessageType.Response],
  ['push', MessageType.Push],
];

/** Route texts: ASCII, non-ASCII (2-, 3- and 4-byte UTF-8), empty, and exactly 255 bytes. */
const routes: string[] = [
  'connector.entryHandler.entry',
  'chat.聊天.send',
  'café.résumé',
  'game.🎮.play',
  '',
  'r',
  'a'.repeat(255),
  'é'.repeat(127) + 'x', // 255 bytes, 128 characters
];

/** Message ids at the varint boundaries, up to the largest id we allow. */
const ids = [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1];

const dictEntries: [string, number][] = [
  ['connector.entryHandler.entry', 1],
  ['chat.chatHandler.send', 0x7f],
  ['chat.聊天.send', 0x80],
  ['area.playerHandler.move', 0x100],
  ['onChat', 0x1234],
  ['onKick', 0xffff],
];
const dict = new RouteDictionary(dictEntries);

const bodies: Uint8Array[] = [new Uint8Array(0), Buffer.from('{"msg":"héllo","n":1}'), Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)];

const hasId = (t: MessageType): boolean => t === MessageType.Request || t === MessageType.Response;
const hasRoute = (t: MessageType): boolean => t !== MessageType.Response;

/** Byte equality with a readable failure. */
function sameBytes(actual: Uint8Array | null, expected: Uint8Array, what: string): void {
  assert.equal(Buffer.from(actual ?? new Uint8Array(0)).toString('hex'), Buffer.from(expected).toString('hex'), what);
}

/** Their packet list, whether `decode` returned one packet or an array. */
function theirPackets(codec: Codec, bytes: Uint8Array): TheirPacket[] {
  const out = codec.Package.decode(bytes);
  return Array.isArray(out) ? out : [out];
}

function ourFramePackets(bytes: Uint8Array): Packet[] {
  const out: Packet[] = [];
  decodeFramePackets(bytes, PACKET_MAX_BODY, (p) => out.push(p));
  return out;
}

function ourStreamPackets(bytes: Uint8Array): Packet[] {
  const out: Packet[] = [];
  const decoder = new PacketStreamDecoder(PACKET_MAX_BODY);
  // Two-byte chunks so the stream decoder has to reassemble every header and body.
  for (let i = 0; i < bytes.length; i += 2) decoder.push(bytes.subarray(i, i + 2), (p) => out.push(p));
  assert.equal(decoder.bufferedBytes, 0);
  return out;
}

/** One message case: what both sides encode and what ours must decode back. */
interface Case {
  type: MessageType;
  id: number;
  route: string;
  routeCode: number;
  body: Uint8Array;
  compressed: boolean;
}

function messageCases(): Case[] {
  const out: Case[] = [];
  for (const [, type] of messageTypes) {
    for (const id of hasId(type) ? ids : [0]) {
      const routeChoices: { route: string; routeCode: number }[] = hasRoute(type)
        ? [...routes.map((route) => ({ route, routeCode: 0 })), ...dictEntries.map(([route, routeCode]) => ({ route, routeCode }))]
        : [{ route: '', routeCode: 0 }];
      for (const { route, routeCode } of routeChoices) {
        for (const body of bodies) {
          for (const compressed of [false, true]) out.push({ type, id, route, routeCode, body, compressed });
        }
      }
    }
  }
  return out;
}

const cases = messageCases();

function describeCase(c: Case): string {
  return `type ${c.type} id ${c.id} route ${JSON.stringify(c.route.slice(0, 20))} code ${c.routeCode} body ${c.body.length}B gzip ${c.compressed}`;
}

function theirEncode(codec: Codec, c: Case): Buffer {
  const compressRoute = c.routeCode !== 0;
  const route = !hasRoute(c.type) ? null : compressRoute ? c.routeCode : c.route;
  return codec.Message.encode(c.id, c.type, compressRoute ? 1 : 0, route, c.body.length ? c.body : null, c.compressed);
}

function ourEncode(c: Case): Uint8Array {
  return encodeMessage({
    type: c.type,
    id: c.id,
    route: c.route,
    ...(c.routeCode ? { routeCode: c.routeCode } : {}),
    body: c.body,
    compressed: c.compressed,
  });
}

function assertOurDecode(m: Message, c: Case, what: string): void {
  assert.equal(m.type, c.type, what);
  assert.equal(m.id, hasId(c.type) ? c.id : 0, what);
  assert.equal(m.route, hasRoute(c.type) ? c.route : '', what);
  assert.equal(m.routeCode, hasRoute(c.type) ? c.routeCode : 0, what);
  assert.equal(m.compressed, c.compressed, what);
  assert.equal(m.error, false, what);
  sameBytes(m.body, c.body, what);
}

function assertTheirDecode(m: TheirMessage, c: Case, what: string): void {
  assert.equal(m.type, c.type, what);
  assert.equal(m.id, hasId(c.type) ? c.id : 0, what);
  assert.equal(m.compressGzip, c.compressed ? 1 : 0, what);
  if (!hasRoute(c.type)) {
    assert.equal(m.route, null, what);
  } else if (c.routeCode) {
    assert.equal(m.compressRoute, 1, what);
    assert.equal(m.route, c.routeCode, what);
  } else {
    assert.equal(m.compressRoute, 0, what);
    assert.equal(m.route, c.route, what);
  }
  sameBytes(m.body, c.body, what);
}

for (const [name, codec] of codecs) {
  describe(`packets against ${name}`, () => {
    it('uses the same packet type numbers', () => {
      assert.deepEqual(
        [codec.Package.TYPE_HANDSHAKE, codec.Package.TYPE_HANDSHAKE_ACK, codec.Package.TYPE_HEARTBEAT, codec.Package.TYPE_DATA, codec.Package.TYPE_KICK],
        [PacketType.Handshake, PacketType.HandshakeAck, PacketType.Heartbeat, PacketType.Data, PacketType.Kick],
      );
    });

    const packetBodies: Uint8Array[] = [
      new Uint8Array(0),
      Uint8Array.of(0x2a),
      Buffer.from('{"sys":{"type":"js-websocket","version":"0.0.1"},"user":{}}'),
      Uint8Array.from({ length: 0x1_0005 }, (_, i) => (i * 7) & 0xff), // length needs all 3 bytes
    ];

    for (const [typeName, type] of packetTypes) {
      it(`${typeName}: theirs → ours and ours → theirs, every body size`, () => {
        for (const body of packetBodies) {
          const what = `${typeName} body ${body.length}B`;
          const theirs = codec.Package.encode(type, body.length ? body : undefined);
          const ours = encodePacket(type, body.length ? body : undefined);
          sameBytes(ours, theirs, `${what}: same bytes`);
          for (const decoded of [ourFramePackets(theirs), ourStreamPackets(theirs)]) {
            assert.equal(decoded.length, 1, what);
            assert.equal(decoded[0]!.type, type, what);
            sameBytes(decoded[0]!.body, body, what);
          }
          const back = theirPackets(codec, ours);
          assert.equal(back.length, 1, what);
          assert.equal(back[0]!.type, type, what);
          sameBytes(back[0]!.body, body, what);
        }
      });
    }

    it('several packets in one frame decode the same on both sides', () => {
      const list: [PacketType, Uint8Array][] = packetTypes.map(([, t], i) => [t, Buffer.from('x'.repeat(i * 3))]);
      const theirs = Buffer.concat(list.map(([t, b]) => codec.Package.encode(t, b.length ? b : undefined)));
      const ours = Buffer.concat(list.map(([t, b]) => encodePacket(t, b)));
      sameBytes(ours, theirs, 'concatenation');
      for (const decoded of [ourFramePackets(theirs), ourStreamPackets(theirs)]) {
        assert.deepEqual(
          decoded.map((p) => [p.type, Buffer.from(p.body).toString()]),
          list.map(([t, b]) => [t, Buffer.from(b).toString()]),
        );
      }
      assert.deepEqual(
        theirPackets(codec, ours).map((p) => [p.type, p.body ? p.body.toString() : '']),
        list.map(([t, b]) => [t, Buffer.from(b).toString()]),
      );
    });

    it('handshake bodies: their client handshake parses, our answer parses on their side', () => {
      const hello = { sys: { type: 'js-websocket', version: '0.0.1', rsa: {}, errorFlag: true, compression: true }, user: { token: 'tök' } };
      const theirs = codec.Package.encode(codec.Package.TYPE_HANDSHAKE, codec.strencode(JSON.stringify(hello)));
      const [packet] = ourFramePackets(theirs);
      assert.equal(packet!.type, PacketType.Handshake);
      assert.deepEqual(parseHandshake(packet!.body), hello);

      const answer = { code: 200, sys: { heartbeat: 20, dict: dict.toJSON(), protos: {} }, user: {} };
      const [back] = theirPackets(codec, encodePacket(PacketType.Handshake, encodeHandshake(answer)));
      assert.equal(back!.type, codec.Package.TYPE_HANDSHAKE);
      assert.deepEqual(JSON.parse(codec.strdecode(back!.body!)), answer);
      assert.deepEqual(JSON.parse(codec.strdecode(back!.body!)).sys.dict, Object.fromEntries(dictEntries));
    });

    it('kick body {"reason":...} reads the same on their side', () => {
      const [back] = theirPackets(codec, encodePacket(PacketType.Kick, encodeJsonBody({ reason: 'kicked by ädmin' })));
      assert.equal(back!.type, codec.Package.TYPE_KICK);
      assert.deepEqual(JSON.parse(codec.strdecode(back!.body!)), { reason: 'kicked by ädmin' });
      const theirs = codec.Package.encode(codec.Package.TYPE_KICK, codec.strencode('{"reason":"bye"}'));
      const [packet] = ourFramePackets(theirs);
      assert.equal(packet!.type, PacketType.Kick);
      assert.deepEqual(parseJsonBody(packet!.body), { reason: 'bye' });
    });
  });

  describe(`messages against ${name}`, () => {
    it('uses the same message type numbers', () => {
      assert.deepEqual(
        [codec.Message.TYPE_REQUEST, codec.Message.TYPE_NOTIFY, codec.Message.TYPE_RESPONSE, codec.Message.TYPE_PUSH],
        [MessageType.Request, MessageType.Notify, MessageType.Response, MessageType.Push],
      );
    });

    for (const [typeName, type] of messageTypes) {
      const mine = cases.filter((c) => c.type === type);

      it(`${typeName}: theirs → ours (${mine.length} cases: routes, codes, ids, bodies, gzip bit)`, () => {
        for (const c of mine) {
          const what = describeCase(c);
          assertOurDecode(decodeMessage(theirEncode(codec, c), dict), c, what);
        }
      });

      it(`${typeName}: ours → theirs, byte for byte the same encoding`, () => {
        for (const c of mine) {
          const what = describeCase(c);
          const ours = ourEncode(c);
          sameBytes(ours, theirEncode(codec, c), what);
          assertTheirDecode(codec.Message.decode(ours), c, what);
        }
      });

      it(`${typeName}: data packets from encodeMessagePacket equal theirs and decode on both sides`, () => {
        for (const c of mine) {
          const what = describeCase(c);
          const theirs = codec.Package.encode(codec.Package.TYPE_DATA, theirEncode(codec, c));
          const ours = encodeMessagePacket({
            type: c.type,
            id: c.id,
            route: c.route,
            ...(c.routeCode ? { routeCode: c.routeCode } : {}),
            body: c.body,
            compressed: c.compressed,
          });
          sameBytes(ours, theirs, what);
          const [packet] = ourFramePackets(theirs);
          assert.equal(packet!.type, PacketType.Data, what);
          assertOurDecode(decodeMessage(packet!.body, dict), c, what);
          const [back] = theirPackets(codec, ours);
          assert.equal(back!.type, codec.Package.TYPE_DATA, what);
          assertTheirDecode(codec.Message.decode(back!.body!), c, what);
        }
      });
    }

    it('a compressed route is the 2-byte big-endian dictionary code', () => {
      const theirs = codec.Message.encode(0, codec.Message.TYPE_PUSH, 1, 0x1234, null);
      sameBytes(theirs, Uint8Array.of((MessageType.Push << 1) | 1, 0x12, 0x34), 'their layout');
      const m = decodeMessage(theirs, dict);
      assert.equal(m.route, 'onChat');
      assert.equal(m.routeCode, 0x1234);
    });

    it('a gzip-compressed body keeps flag 0x10 and its bytes both ways', () => {
      const json = { text: 'hello '.repeat(50), n: 3 };
      const gz = gzipSync(Buffer.from(JSON.stringify(json)));
      const theirs = codec.Message.encode(77, codec.Message.TYPE_RESPONSE, 0, null, gz, true);
      assert.equal(theirs[0]! & 0x10, 0x10, 'their flag has 0x10');
      const m = decodeMessage(theirs);
      assert.equal(m.compressed, true);
      assert.equal(m.id, 77);
      assert.deepEqual(JSON.parse(gunzipSync(m.body).toString()), json);

      const ours = encodeMessage({ type: MessageType.Push, route: 'onChat', compressed: true, body: gz });
      const back = codec.Message.decode(ours);
      assert.equal(back.compressGzip, 1);
      assert.equal(back.route, 'onChat');
      assert.deepEqual(JSON.parse(gunzipSync(back.body).toString()), json);

      const plain = codec.Message.decode(encodeMessage({ type: MessageType.Push, route: 'onChat', body: gz }));
      assert.equal(plain.compressGzip, 0, 'no 0x10 unless asked for');
    });

    it('the 0x20 error flag does not disturb their decoding of type, id and body', () => {
      for (const [, type] of messageTypes) {
        const ours = encodeMessage({ type, id: 300, route: 'a.b', error: true, body: Buffer.from('{"code":500}') });
        assert.equal(ours[0]! & 0x20, 0x20);
        const back = codec.Message.decode(ours);
        assert.equal(back.type, type);
        assert.equal(back.id, hasId(type) ? 300 : 0);
        if (hasRoute(type)) assert.equal(back.route, 'a.b');
        assert.equal(back.body.toString(), '{"code":500}');
      }
    });

    it('random messages encode to the same bytes as theirs and decode back on both sides', () => {
      const arbCase: fc.Arbitrary<Case> = fc
        .record({
          type: fc.constantFrom(MessageType.Request, MessageType.Notify, MessageType.Response, MessageType.Push),
          id: fc.integer({ min: 0, max: 2 ** 28 - 1 }),
          route: fc.string({ unit: 'grapheme', maxLength: 60 }).filter((r) => Buffer.byteLength(r) <= 255),
          useCode: fc.boolean(),
          codeIndex: fc.nat({ max: dictEntries.length - 1 }),
          body: fc.uint8Array({ maxLength: 40 }),
          compressed: fc.boolean(),
        })
        .map(({ type, id, route, useCode, codeIndex, body, compressed }) => {
          const [dictRoute, code] = dictEntries[codeIndex]!;
          return {
            type,
            id: hasId(type) ? id : 0,
            route: hasRoute(type) ? (useCode ? dictRoute : route) : '',
            routeCode: hasRoute(type) && useCode ? code : 0,
            body,
            compressed,
          };
        });
      fc.assert(
        fc.property(arbCase, (c) => {
          const what = describeCase(c);
          const theirs = theirEncode(codec, c);
          const ours = ourEncode(c);
          sameBytes(ours, theirs, what);
          assertOurDecode(decodeMessage(theirs, dict), c, what);
          assertTheirDecode(codec.Message.decode(ours), c, what);
        }),
        { numRuns: 3000 },
      );
    });
  });
}

describe('string codecs agree on UTF-8', () => {
  it('route bytes are the same as pomelo-protocol strencode/strdecode and pinus-protocol', () => {
    for (const route of routes) {
      const ours = encodeMessage({ type: MessageType.Notify, route });
      const routeBytes = ours.subarray(2, 2 + ours[1]!);
      for (const [name, codec] of codecs) {
        sameBytes(routeBytes, codec.strencode(route), `${name} strencode ${route.slice(0, 20)}`);
        if (route) assert.equal(codec.strdecode(Buffer.from(routeBytes)), route, `${name} strdecode`);
      }
    }
  });
});
