import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_CALL_ID,
  answerEnvelope,
  decodeEnvelope,
  decodeErrorBody,
  encodeEnvelope,
  encodeErrorBody,
  requestEnvelope,
  type Envelope,
} from '../../src/rpc/index.js';
import { ProtocolError } from '../../src/wire/errors.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

function roundtrip(env: Envelope): Envelope {
  return decodeEnvelope(encodeEnvelope(env));
}

function plain(env: Envelope) {
  return { ...env, body: [...env.body], session: env.session && [...env.session] };
}

test('a request with every field round-trips', () => {
  const env = requestEnvelope(
    'request',
    MAX_CALL_ID,
    { route: 'chat.Room.say', code: 70000, timeoutMs: 2500, extra: { a: '1', ü: '世界' }, session: bytes(9, 8, 7) },
    bytes(1, 2, 3),
  );
  assert.deepEqual(plain(roundtrip(env)), plain(env));
});

test('a minimal request is the 5-byte header, the route code and the body', () => {
  const frame = encodeEnvelope(requestEnvelope('request', 7, { code: 3 }, bytes(0xaa)));
  assert.deepEqual([...frame], [0x11, 0, 0, 0, 7, 3, 0xaa]);
});

test('a one-way request always carries id 0', () => {
  const env = roundtrip(requestEnvelope('oneway', 55, { route: 'a.B.c' }, bytes()));
  assert.equal(env.kind, 'oneway');
  assert.equal(env.id, 0);
  assert.equal(env.route, 'a.B.c');
});

test('replies, error replies and cancels round-trip', () => {
  assert.deepEqual(plain(roundtrip(answerEnvelope('reply', 9, bytes(4, 5)))), plain(answerEnvelope('reply', 9, bytes(4, 5))));
  const err = roundtrip(answerEnvelope('error', 10, encodeErrorBody('permission_denied', 'no entry ✋')));
  assert.equal(err.kind, 'error');
  assert.deepEqual(decodeErrorBody(err.body), { code: 'permission_denied', message: 'no entry ✋' });
  assert.deepEqual(plain(roundtrip(answerEnvelope('cancel', 11))), plain(answerEnvelope('cancel', 11)));
});

test('the body and session are views of the frame, not copies', () => {
  const frame = encodeEnvelope(requestEnvelope('request', 1, { route: 'r', session: bytes(1, 2) }, bytes(3)));
  const env = decodeEnvelope(frame);
  assert.equal(env.body.buffer, frame.buffer);
  assert.equal(env.session!.buffer, frame.buffer);
});

test('an empty extra is left out; an empty body and empty strings are kept', () => {
  const env = roundtrip(requestEnvelope('request', 1, { route: '', extra: {} }, bytes()));
  assert.equal(env.extra, undefined);
  assert.equal(env.route, '');
  assert.equal(env.body.length, 0);
});

test('an unknown error code from a newer peer reads as internal', () => {
  const body = encodeErrorBody('internal', 'x');
  body[1] = 'j'.charCodeAt(0); // "jnternal"
  assert.deepEqual(decodeErrorBody(body), { code: 'internal', message: 'x' });
});

test('malformed envelopes throw ProtocolError with a stable code', () => {
  const cases: [Uint8Array, string][] = [
    [bytes(), 'ERR_MESSAGE_TRUNCATED'],
    [bytes(0x11, 0, 0, 0), 'ERR_MESSAGE_TRUNCATED'],
    [bytes(0x00, 0, 0, 0, 1), 'ERR_MESSAGE_TYPE'],
    [bytes(0x07, 0, 0, 0, 1), 'ERR_MESSAGE_TYPE'],
    [bytes(0x01, 0, 0, 0, 1), 'ERR_BODY_INVALID'], // request without route or code
    [bytes(0x0b, 0, 0, 0, 1, 0), 'ERR_BODY_INVALID'], // reply with a route
    [bytes(0x05, 0, 0, 0, 1, 9), 'ERR_BODY_INVALID'], // cancel with a body
    [bytes(0x09, 0, 0, 0, 1, 10, 65), 'ERR_MESSAGE_TRUNCATED'], // route longer than the frame
    [bytes(0x11, 0, 0, 0, 1, 0x80, 0x80), 'ERR_MESSAGE_TRUNCATED'], // varint cut short
    [bytes(0x11, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f), 'ERR_BODY_INVALID'], // > 2^32-1
    [bytes(0x11, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 1), 'ERR_BODY_INVALID'], // 6-byte varint
    [bytes(0x51, 0, 0, 0, 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f), 'ERR_MESSAGE_TRUNCATED'], // huge extra count
    [bytes(0x51, 0, 0, 0, 1, 1, 1, 1, 65), 'ERR_MESSAGE_TRUNCATED'], // extra key without value
    [bytes(0x91, 0, 0, 0, 1, 1, 5, 1), 'ERR_MESSAGE_TRUNCATED'], // session past the end
  ];
  for (const [frame, code] of cases) {
    assert.throws(() => decodeEnvelope(frame), (err: unknown) => err instanceof ProtocolError && err.code === code, `${[...frame]}`);
  }
  assert.throws(() => decodeErrorBody(bytes(9, 1)), ProtocolError);
});

test('encoding refuses ids and codes outside uint32 and non-string extra values', () => {
  assert.throws(() => encodeEnvelope(requestEnvelope('request', 2 ** 32, { code: 1 }, bytes())), RangeError);
  assert.throws(() => encodeEnvelope(requestEnvelope('request', 1, { code: -1 }, bytes())), RangeError);
  assert.throws(() => encodeEnvelope(requestEnvelope('request', 1, { code: 1, extra: { a: 2 as never } }, bytes())), TypeError);
});
