import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COALESCE_LIMIT_BYTES } from '../../src/transport/frame-writer.js';
import { FrameDecoder, FrameWriter, type WritableSocket } from '../../src/transport/index.js';

function fakeSocket() {
  const writes: Uint8Array[] = [];
  let corks = 0;
  const socket: WritableSocket = {
    write: (c) => (writes.push(Uint8Array.from(c)), true),
    cork: () => void corks++,
    uncork: () => {},
  };
  return { socket, writes, corks: () => corks };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('frames sent in one event-loop turn leave in one write, length-prefixed', async () => {
  const { socket, writes } = fakeSocket();
  const w = new FrameWriter(socket);
  for (let i = 0; i < 50; i++) w.push(Uint8Array.of(i, i));
  assert.equal(writes.length, 0, 'nothing is written synchronously');
  await Promise.resolve();
  for (let i = 50; i < 100; i++) w.push(Uint8Array.of(i, i));
  assert.equal(writes.length, 0, 'frames queued across microtasks of one turn wait for its end');
  await nextTurn();
  assert.equal(writes.length, 1);
  const frames: number[][] = [];
  new FrameDecoder((f) => frames.push([...f])).push(writes[0]!);
  assert.deepEqual(frames, Array.from({ length: 100 }, (_, i) => [i, i]));
  w.push(Uint8Array.of(1));
  await nextTurn();
  assert.equal(writes.length, 2, 'a later turn is a new batch');
});

test('a batch above the coalescing limit is written under cork without copying bodies', async () => {
  const { socket, writes, corks } = fakeSocket();
  const w = new FrameWriter(socket);
  const big = new Uint8Array(COALESCE_LIMIT_BYTES).fill(1);
  w.push(big);
  w.push(Uint8Array.of(2));
  await nextTurn();
  assert.equal(corks(), 1);
  assert.equal(writes.length, 4);
  const frames: number[] = [];
  const d = new FrameDecoder((f) => frames.push(f.length));
  for (const c of writes) d.push(c);
  assert.deepEqual(frames, [COALESCE_LIMIT_BYTES, 1]);
});
