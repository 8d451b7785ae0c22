import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  RpcError,
  decodeEnvelope,
  decodeErrorBody,
  encodeEnvelope,
  requestEnvelope,
} from '../../src/rpc/index.js';
import { ProtocolError } from '../../src/wire/errors.js';

function onlyTypedErrors(run: () => unknown): boolean {
  try {
    run();
  } catch (err) {
    if (err instanceof ProtocolError || (err instanceof RpcError && err.code === 'bad_payload')) return true;
    throw err;
  }
  return true;
}

test('random bytes given to the envelope decoder throw only typed errors', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (frame) => onlyTypedErrors(() => decodeEnvelope(frame))),
    { numRuns: 10_000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 32 }), (body) => onlyTypedErrors(() => decodeErrorBody(body))),
    { numRuns: 10_000 },
  );
});

const arbEnvelope = fc.record({
  kind: fc.constantFrom<'request' | 'oneway'>('request', 'oneway'),
  id: fc.nat({ max: 0xffff_ffff }),
  route: fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: undefined }),
  code: fc.option(fc.nat({ max: 0xffff_ffff }), { nil: undefined }),
  timeoutMs: fc.option(fc.integer({ min: 1, max: 0xffff_ffff }), { nil: undefined }),
  extra: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 })), { nil: undefined }),
  session: fc.option(fc.uint8Array({ maxLength: 16 }), { nil: undefined }),
  body: fc.uint8Array({ maxLength: 32 }),
});

test('valid envelopes round-trip, and any corruption of them throws only typed errors', () => {
  fc.assert(
    fc.property(arbEnvelope, fc.nat(), fc.nat({ max: 255 }), (fields, at, value) => {
      const route = fields.route === undefined && fields.code === undefined ? 'x' : fields.route;
      const env = requestEnvelope(fields.kind, fields.id, { ...fields, route }, fields.body);
      const frame = encodeEnvelope(env);
      const back = decodeEnvelope(frame);
      assert.equal(back.kind, env.kind);
      assert.equal(back.id, env.id);
      assert.equal(back.route, env.route);
      assert.equal(back.code, env.code);
      assert.equal(back.timeoutMs, env.timeoutMs);
      assert.deepEqual(back.extra, env.extra && Object.keys(env.extra).length > 0 ? { ...env.extra } : undefined);
      assert.deepEqual([...back.body], [...env.body]);
      const corrupt = frame.slice();
      corrupt[at % corrupt.length] = value;
      onlyTypedErrors(() => decodeEnvelope(corrupt));
      onlyTypedErrors(() => decodeEnvelope(frame.subarray(0, at % frame.length)));
    }),
    { numRuns: 10_000 },
  );
});
