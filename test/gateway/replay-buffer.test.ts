import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplayBuffer } from '../../src/gateway/replay-buffer.js';

const packet = (n: number, size = 4): Uint8Array => new Uint8Array(size).fill(n);
const firstBytes = (list: Uint8Array[] | undefined): number[] | undefined => list?.map((p) => p[0]!);

test('pushes are numbered from 1; after(n) gives those after n, oldest first, while the ring holds them', () => {
  const buf = new ReplayBuffer(20, 1 << 20);
  assert.deepEqual(buf.after(0), []);
  for (let n = 1; n <= 50; n++) assert.equal(buf.add(packet(n)), n);
  assert.equal(buf.lastSeq, 50);
  assert.equal(buf.size, 20);
  assert.deepEqual(firstBytes(buf.after(47)), [48, 49, 50]);
  assert.deepEqual(firstBytes(buf.after(30)), Array.from({ length: 20 }, (_, i) => 31 + i));
  assert.deepEqual(buf.after(50), []);
  assert.equal(buf.after(29), undefined, 'push 30 is gone');
  assert.equal(buf.after(51), undefined, 'a number never given');
  assert.equal(buf.after(-1), undefined);
});

test('the byte limit drops the oldest pushes first; a push larger than the limit is not kept', () => {
  const buf = new ReplayBuffer(100, 10);
  buf.add(packet(1));
  buf.add(packet(2));
  buf.add(packet(3));
  assert.deepEqual(firstBytes(buf.after(1)), [2, 3]);
  assert.equal(buf.after(0), undefined);
  buf.add(packet(4, 11));
  assert.equal(buf.size, 0);
  assert.equal(buf.after(3), undefined);
  assert.deepEqual(buf.after(4), []);
});

test('startAt continues another gateway\'s numbering: the next push is seq + 1; only on a fresh buffer', () => {
  const r = new ReplayBuffer(4, 1024);
  r.startAt(10);
  assert.equal(r.lastSeq, 10);
  assert.deepEqual(r.after(10), []);
  assert.equal(r.add(Uint8Array.of(11)), 11);
  assert.deepEqual(r.after(10)?.map((p) => p[0]), [11]);
  assert.equal(r.after(9), undefined, 'nothing before the start is held');
  assert.throws(() => r.startAt(20), RangeError);
  assert.throws(() => new ReplayBuffer(4, 1024).startAt(-1), RangeError);
});
