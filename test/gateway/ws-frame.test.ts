import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { SMALL_FRAME_LIMIT, binaryFrame } from '../../src/gateway/ws-frame.js';

interface WsReceiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  write(chunk: Buffer): void;
}
const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: new (options: { isServer: boolean; maxPayload: number }) => WsReceiver };

describe('binaryFrame', () => {
  test('ws reads each frame back as the same binary message, across header sizes', () => {
    const got: { data: Buffer; binary: boolean }[] = [];
    const errors: Error[] = [];
    const receiver = new Receiver({ isServer: false, maxPayload: 0 });
    receiver.on('message', (data, binary) => got.push({ data: Buffer.from(data), binary }));
    receiver.on('error', (err) => errors.push(err));
    const sizes = [0, 1, 125, 126, 127, 1000, SMALL_FRAME_LIMIT - 1, SMALL_FRAME_LIMIT];
    const payloads = sizes.map((n, i) => Buffer.alloc(n, i + 1));
    // All frames in one chunk, as a flush of several writes would reach the peer.
    receiver.write(Buffer.concat(payloads.map((p) => binaryFrame(p))));
    assert.deepEqual(errors, []);
    assert.equal(got.length, payloads.length);
    got.forEach((m, i) => {
      assert.equal(m.binary, true);
      assert.ok(m.data.equals(payloads[i]!), `payload of ${sizes[i]} bytes`);
    });
  });

  test('a payload over the limit is refused, not framed wrongly', () => {
    assert.throws(() => binaryFrame(new Uint8Array(SMALL_FRAME_LIMIT + 1)), RangeError);
  });
});
