import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameDecoder, FrameWriter, type WritableSocket } from '../../src/transport/index.js';

/** Sockets that log every write, with the socket's name, in one shared order. */
function loggingSocket(name: string, log: string[]): WritableSocket {
  return {
    write: (chunk) => {
      new FrameDecoder((f) => log.push(`${name}: ${Buffer.from(f).toString('utf8')}`)).push(chunk);
      return true;
    },
    cork: () => {},
    uncork: () => {},
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// A backend answers a gateway's call on the connection the gateway opened (accepted here) and
// sends that gateway its own messages, such as a group change, on a connection it opened. With the
// answer's batch written first, the gateway could answer its client before applying the change.
test('in each turn, writers of connections this process opened flush before those of accepted connections, whichever was queued first', async () => {
  const log: string[] = [];
  const answers = new FrameWriter(loggingSocket('accepted', log), 'accepted');
  const messages = new FrameWriter(loggingSocket('opened', log), 'opened');
  answers.push(Buffer.from('answer 1'));
  messages.push(Buffer.from('group add'));
  answers.push(Buffer.from('answer 2'));
  assert.deepEqual(log, [], 'nothing is written before the end of the turn');
  await nextTurn();
  assert.deepEqual(log, ['opened: group add', 'accepted: answer 1', 'accepted: answer 2']);

  messages.push(Buffer.from('push'));
  answers.push(Buffer.from('answer 3'));
  await nextTurn();
  assert.deepEqual(log.slice(3), ['opened: push', 'accepted: answer 3'], 'the next turn is ordered the same way');
});

test('writers of one kind flush in the order they were first given a frame in the turn', async () => {
  const log: string[] = [];
  const first = new FrameWriter(loggingSocket('first', log));
  const second = new FrameWriter(loggingSocket('second', log));
  second.push(Buffer.from('b'));
  first.push(Buffer.from('a'));
  second.push(Buffer.from('c'));
  await nextTurn();
  assert.deepEqual(log, ['second: b', 'second: c', 'first: a']);
});

test('a writer flushed by hand before the end of the turn is not written again', async () => {
  const log: string[] = [];
  const w = new FrameWriter(loggingSocket('w', log));
  w.push(Buffer.from('x'));
  w.flush();
  assert.deepEqual(log, ['w: x']);
  await nextTurn();
  assert.deepEqual(log, ['w: x']);
  w.push(Buffer.from('y'));
  await nextTurn();
  assert.deepEqual(log, ['w: x', 'w: y']);
});
