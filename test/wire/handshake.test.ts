/**
 * The handshake body a client sends is JSON `{"sys":{...},"user":{...}}`; anything else is refused
 * with a ProtocolError whose code says whether the JSON or its shape was wrong.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeHandshake,
  HandshakeCode,
  parseHandshake,
  parseHandshakeResponse,
  ProtocolError,
  type HandshakeResponse,
  type ProtocolErrorCode,
} from '../../src/wire/index.js';

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

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

describe('parseHandshake', () => {
  it('reads a pomelo client handshake, keeping unknown sys keys and the user part', () => {
    const hs = parseHandshake(
      utf8('{"sys":{"type":"js-websocket","version":"0.0.1","rsa":{"rsa_n":"ab"},"protoVersion":3},"user":{"token":"tök","n":[1,2]}}'),
    );
    assert.equal(hs.sys.errorFlag, undefined);
    assert.equal(hs.sys.compression, undefined);
    assert.deepEqual(hs, {
      sys: { type: 'js-websocket', version: '0.0.1', rsa: { rsa_n: 'ab' }, protoVersion: 3 },
      user: { token: 'tök', n: [1, 2] },
    });
  });

  it('reads the negotiation flags sys.errorFlag and sys.compression', () => {
    const hs = parseHandshake(utf8('{"sys":{"type":"unity","errorFlag":true,"compression":true}}'));
    assert.equal(hs.sys.errorFlag, true);
    assert.equal(hs.sys.compression, true);
    assert.deepEqual(hs.user, {});
  });

  it('takes an empty body, {} and null parts as empty sys and user', () => {
    for (const body of ['', '{}', '{"sys":null,"user":null}', ' { } ']) {
      assert.deepEqual(parseHandshake(utf8(body)), { sys: {}, user: {} }, JSON.stringify(body));
    }
  });

  it('refuses a body that is JSON but not an object with ERR_HANDSHAKE_INVALID', () => {
    for (const body of ['[]', '[{"sys":{}}]', 'null', '0', '"sys"', 'true']) {
      throwsCode(() => parseHandshake(utf8(body)), 'ERR_HANDSHAKE_INVALID', body);
    }
  });

  it('refuses a sys or user that is not an object with ERR_HANDSHAKE_INVALID', () => {
    for (const body of ['{"sys":1}', '{"sys":"js"}', '{"sys":[]}', '{"sys":true}', '{"user":5}', '{"user":[1]}', '{"sys":{},"user":"x"}']) {
      throwsCode(() => parseHandshake(utf8(body)), 'ERR_HANDSHAKE_INVALID', body);
    }
  });

  it('refuses a body that is not JSON with ERR_BODY_INVALID', () => {
    for (const body of [utf8('{'), utf8('{"sys":}'), utf8("{'sys':{}}"), utf8('{"sys":{}} x'), utf8(' '), Uint8Array.of(0xff, 0xfe, 0x00)]) {
      throwsCode(() => parseHandshake(body), 'ERR_BODY_INVALID', Buffer.from(body).toString('hex'));
    }
  });

  it('drops __proto__ keys inside sys and user without polluting Object.prototype', () => {
    const hs = parseHandshake(utf8('{"sys":{"__proto__":{"polluted":1},"type":"t"},"user":{"constructor":{"prototype":{"polluted":1}}}}'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.hasOwn(hs.sys, '__proto__'), false);
    assert.equal(Object.getPrototypeOf(hs.sys), Object.prototype);
    assert.equal(hs.sys.type, 't');
    assert.equal(Object.hasOwn(hs.user, 'constructor'), false);
  });
});

describe('handshake answer', () => {
  it('uses the pomelo answer codes', () => {
    assert.deepEqual(HandshakeCode, { Ok: 200, Refused: 500, ClientTooOld: 501 });
  });

  it('round-trips through encodeHandshake and parseHandshakeResponse', () => {
    const answer: HandshakeResponse = {
      code: HandshakeCode.Ok,
      sys: { heartbeat: 20, dict: { 'chat.chatHandler.send': 1, onChat: 2 }, protos: {}, errorFlag: true, compression: true },
      user: { motd: 'héllo' },
    };
    const body = encodeHandshake(answer);
    assert.deepEqual(JSON.parse(Buffer.from(body).toString('utf8')), answer);
    assert.deepEqual(parseHandshakeResponse(body), answer);
    assert.deepEqual(parseHandshakeResponse(encodeHandshake({ code: HandshakeCode.ClientTooOld })), { code: 501 });
  });

  it('round-trips a client handshake through encodeHandshake and parseHandshake', () => {
    const hello = { sys: { type: 'node', version: '1.0.0', errorFlag: false }, user: { token: 'abc' } };
    assert.deepEqual(parseHandshake(encodeHandshake(hello)), hello);
  });

  it('refuses an answer without a numeric code with ERR_HANDSHAKE_INVALID, and bad JSON with ERR_BODY_INVALID', () => {
    for (const body of ['', '{}', '{"code":"200"}', '[200]', 'null', '200']) {
      throwsCode(() => parseHandshakeResponse(utf8(body)), 'ERR_HANDSHAKE_INVALID', JSON.stringify(body));
    }
    for (const body of ['{"code":200', 'code=200']) {
      throwsCode(() => parseHandshakeResponse(utf8(body)), 'ERR_BODY_INVALID', body);
    }
  });
});
