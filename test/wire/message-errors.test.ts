/**
 * Malformed messages raise ProtocolError with the right code, never a RangeError or TypeError, and
 * the encoder refuses what it cannot put on the wire faithfully.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeMessage,
  encodeMessage,
  encodeMessagePacket,
  FLAG_COMPRESSED,
  FLAG_ERROR,
  MAX_MESSAGE_ID,
  MessageType,
  ProtocolError,
  RouteDictionary,
  type MessageSpec,
  type ProtocolErrorCode,
} from '../../src/wire/index.js';

const dict = new RouteDictionary([
  ['chat.chatHandler.send', 1],
  ['onChat', 0x0102],
]);

function throwsCode(fn: () => unknown, code: ProtocolErrorCode, what?: string): void {
  assert.throws(
    fn,
    (err: unknown) => {
      assert.ok(err instanceof ProtocolError, `${what ?? ''}: expected ProtocolError, got ${String(err)}`);
      assert.equal(err.code, code, what);
      return true;
    },
    what,
  );
}

/** Messages whose header is long enough to cut at many places; `header` is its length in bytes. */
const samples: { spec: MessageSpec; header: number }[] = [
  { spec: { type: MessageType.Request, id: 2 ** 28 - 1, route: 'chat.聊天.send', body: Buffer.from('{}') }, header: 1 + 4 + 1 + 16 },
  { spec: { type: MessageType.Request, id: 16384, routeCode: 1, body: Buffer.from('{"a":1}') }, header: 1 + 3 + 2 },
  { spec: { type: MessageType.Request, id: 0, route: '' }, header: 1 + 1 + 1 },
  { spec: { type: MessageType.Notify, route: 'a.b.c', body: Uint8Array.of(9) }, header: 1 + 1 + 5 },
  { spec: { type: MessageType.Notify, routeCode: 0x0102 }, header: 1 + 2 },
  { spec: { type: MessageType.Response, id: 300, body: Buffer.from('{"ok":true}') }, header: 1 + 2 },
  { spec: { type: MessageType.Response, id: 2 ** 21 }, header: 1 + 4 },
  { spec: { type: MessageType.Push, route: 'onChat', compressed: true, error: true }, header: 1 + 1 + 6 },
  { spec: { type: MessageType.Push, routeCode: 0x0102, body: Uint8Array.of(1, 2) }, header: 1 + 2 },
];

describe('decodeMessage on truncated input', () => {
  it('throws ERR_MESSAGE_TRUNCATED at every cut inside the header, with or without a dictionary', () => {
    for (const { spec, header } of samples) {
      const bytes = encodeMessage(spec);
      assert.equal(bytes.length, header + (spec.body?.length ?? 0), `layout of ${JSON.stringify(spec)}`);
      for (let cut = 0; cut < header; cut++) {
        for (const d of [dict, undefined]) {
          throwsCode(() => decodeMessage(bytes.subarray(0, cut), d), 'ERR_MESSAGE_TRUNCATED', `${JSON.stringify(spec)} cut at ${cut}`);
        }
      }
    }
  });

  it('decodes a cut inside the body as a shorter body (the packet length bounds the message)', () => {
    for (const { spec, header } of samples) {
      const bytes = encodeMessage(spec);
      for (let cut = header; cut <= bytes.length; cut++) {
        const m = decodeMessage(bytes.subarray(0, cut), dict);
        assert.equal(m.type, spec.type);
        assert.deepEqual([...m.body], [...(spec.body ?? new Uint8Array(0))].slice(0, cut - header));
      }
    }
  });

  it('never throws anything but ProtocolError for any cut of any byte pattern in the first 4 bytes', () => {
    // Every flag byte followed by continuation-heavy and plain bytes, cut everywhere.
    for (let flag = 0; flag < 256; flag++) {
      for (const rest of [[0xff, 0xff, 0xff], [0x80, 0x05, 0x41], [0x00, 0xff, 0x00], [0x7f, 0x00, 0x01]]) {
        const bytes = Uint8Array.of(flag, ...rest);
        for (let cut = 0; cut <= bytes.length; cut++) {
          for (const d of [dict, undefined]) {
            try {
              decodeMessage(bytes.subarray(0, cut), d);
            } catch (err) {
              assert.ok(err instanceof ProtocolError, `flag ${flag} rest ${rest} cut ${cut}: ${String(err)}`);
            }
          }
        }
      }
    }
  });
});

describe('message id range', () => {
  it('encodes and decodes the largest id, 2^28 - 1, in 4 bytes', () => {
    assert.equal(MAX_MESSAGE_ID, 2 ** 28 - 1);
    const bytes = encodeMessage({ type: MessageType.Response, id: MAX_MESSAGE_ID });
    assert.deepEqual([...bytes], [MessageType.Response << 1, 0xff, 0xff, 0xff, 0x7f]);
    assert.equal(decodeMessage(bytes).id, MAX_MESSAGE_ID);
  });

  it('refuses to encode an id of 2^28 or more, negative, or not an integer', () => {
    for (const id of [2 ** 28, 2 ** 31, 2 ** 32, -1, 1.5, Number.NaN, Infinity]) {
      for (const type of [MessageType.Request, MessageType.Response]) {
        throwsCode(() => encodeMessage({ type, id, route: 'a' }), 'ERR_MESSAGE_ID_RANGE', `encode id ${id}`);
        throwsCode(() => encodeMessagePacket({ type, id, route: 'a' }), 'ERR_MESSAGE_ID_RANGE', `packet id ${id}`);
      }
    }
  });

  it('rejects a varint id longer than 4 bytes (2^28 and up) on decode', () => {
    const fiveBytes = [0x80, 0x80, 0x80, 0x80, 0x01]; // 2^28
    throwsCode(() => decodeMessage(Uint8Array.of(MessageType.Response << 1, ...fiveBytes)), 'ERR_MESSAGE_ID_RANGE');
    throwsCode(() => decodeMessage(Uint8Array.of(MessageType.Request << 1, ...fiveBytes, 1, 0x61)), 'ERR_MESSAGE_ID_RANGE');
    throwsCode(() => decodeMessage(Uint8Array.of(MessageType.Response << 1, 0xff, 0xff, 0xff, 0xff, 0x7f)), 'ERR_MESSAGE_ID_RANGE');
    // A fifth continuation byte is an over-long id even when the stream ends there.
    throwsCode(() => decodeMessage(Uint8Array.of(MessageType.Response << 1, 0x80, 0x80, 0x80, 0x80)), 'ERR_MESSAGE_ID_RANGE');
  });
});

describe('routes', () => {
  it('accepts a 255-byte route and refuses 256 bytes with ERR_ROUTE_TOO_LONG', () => {
    for (const route of ['a'.repeat(255), 'é'.repeat(127) + 'a']) {
      assert.equal(decodeMessage(encodeMessage({ type: MessageType.Notify, route })).route, route);
    }
    for (const route of ['a'.repeat(256), 'é'.repeat(128), '🎮'.repeat(64), 'x'.repeat(100_000)]) {
      for (const type of [MessageType.Request, MessageType.Notify, MessageType.Push]) {
        throwsCode(() => encodeMessage({ type, route }), 'ERR_ROUTE_TOO_LONG', `${Buffer.byteLength(route)} bytes`);
        throwsCode(() => encodeMessagePacket({ type, route }), 'ERR_ROUTE_TOO_LONG');
      }
    }
  });

  it('rejects a compressed route code missing from the dictionary with ERR_ROUTE_CODE_UNKNOWN', () => {
    const unknown = Uint8Array.of((MessageType.Notify << 1) | 1, 0x00, 0x02);
    throwsCode(() => decodeMessage(unknown, dict), 'ERR_ROUTE_CODE_UNKNOWN');
    throwsCode(() => decodeMessage(unknown), 'ERR_ROUTE_CODE_UNKNOWN', 'no dictionary at all');
    throwsCode(() => decodeMessage(Uint8Array.of((MessageType.Request << 1) | 1, 5, 0xff, 0xff), dict), 'ERR_ROUTE_CODE_UNKNOWN');
    throwsCode(() => decodeMessage(Uint8Array.of((MessageType.Push << 1) | 1, 0, 0), dict), 'ERR_ROUTE_CODE_UNKNOWN', 'code 0');
    const known = decodeMessage(Uint8Array.of((MessageType.Notify << 1) | 1, 0x01, 0x02), dict);
    assert.equal(known.route, 'onChat');
    assert.equal(known.routeCode, 0x0102);
  });

  it('ignores the route-code bit on a response, which has no route', () => {
    const m = decodeMessage(Uint8Array.of((MessageType.Response << 1) | 1, 7, 0x7b, 0x7d));
    assert.equal(m.id, 7);
    assert.equal(m.route, '');
    assert.equal(Buffer.from(m.body).toString(), '{}');
  });

  it('refuses to encode a route code that does not fit in two bytes', () => {
    for (const routeCode of [0x10000, 70000, -1, 1.5]) {
      throwsCode(() => encodeMessage({ type: MessageType.Push, routeCode }), 'ERR_ROUTE_CODE_UNKNOWN', `code ${routeCode}`);
      throwsCode(() => encodeMessagePacket({ type: MessageType.Request, id: 1, routeCode }), 'ERR_ROUTE_CODE_UNKNOWN', `code ${routeCode}`);
    }
    assert.deepEqual([...encodeMessage({ type: MessageType.Push, routeCode: 0xffff })], [(MessageType.Push << 1) | 1, 0xff, 0xff]);
  });
});

describe('flag byte', () => {
  it('rejects message types 4..7 with ERR_MESSAGE_TYPE, whatever the other bits', () => {
    for (let type = 4; type <= 7; type++) {
      for (const extra of [0, 0x01, 0x10, 0x20, 0x31, 0xc0]) {
        const flag = (type << 1) | extra;
        throwsCode(() => decodeMessage(Uint8Array.of(flag, 1, 1, 0x61)), 'ERR_MESSAGE_TYPE', `flag 0x${flag.toString(16)}`);
        throwsCode(() => decodeMessage(Uint8Array.of(flag)), 'ERR_MESSAGE_TYPE', `lone flag 0x${flag.toString(16)}`);
      }
    }
  });

  it('decodes 0x10 as compressed and 0x20 as error, for every message type', () => {
    for (const type of [MessageType.Request, MessageType.Notify, MessageType.Response, MessageType.Push]) {
      for (const [bits, compressed, error] of [
        [0, false, false],
        [FLAG_COMPRESSED, true, false],
        [FLAG_ERROR, false, true],
        [FLAG_COMPRESSED | FLAG_ERROR, true, true],
      ] as const) {
        const bytes = type === MessageType.Response ? Uint8Array.of((type << 1) | bits, 3, 0x41) : type === MessageType.Request ? Uint8Array.of((type << 1) | bits, 3, 1, 0x72, 0x41) : Uint8Array.of((type << 1) | bits, 1, 0x72, 0x41);
        const m = decodeMessage(bytes);
        assert.equal(m.type, type);
        assert.equal(m.compressed, compressed, `type ${type} bits ${bits}`);
        assert.equal(m.error, error, `type ${type} bits ${bits}`);
        assert.equal(Buffer.from(m.body).toString(), 'A');
        if (type !== MessageType.Response) assert.equal(m.route, 'r');
        if (type === MessageType.Request || type === MessageType.Response) assert.equal(m.id, 3);
      }
    }
  });

  it('encodes compressed and error as 0x10 and 0x20, and neither unless asked', () => {
    assert.equal(encodeMessage({ type: MessageType.Response, id: 1 })[0], MessageType.Response << 1);
    assert.equal(encodeMessage({ type: MessageType.Response, id: 1, compressed: true })[0], (MessageType.Response << 1) | 0x10);
    assert.equal(encodeMessage({ type: MessageType.Response, id: 1, error: true })[0], (MessageType.Response << 1) | 0x20);
    assert.equal(encodeMessage({ type: MessageType.Push, routeCode: 1, compressed: true, error: true })[0], (MessageType.Push << 1) | 0x31);
  });
});
