/**
 * A cluster-wide group as a backend sees it: a broadcast's count leaves out the member named by
 * `except` (a session or its id), also after that member's copy followed its session to a new id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterGroup, type ClusterGroupHost } from '../../src/app/cluster-group.js';
import { RemoteSession, type RemoteSessionHost } from '../../src/app/remote-session.js';

const sessionHost: RemoteSessionHost = { pushToSessions: () => {}, kick: () => {}, sendUpdate: () => {}, logError: () => {} };
const copy = (id: string): RemoteSession => new RemoteSession({ id, frontendId: id.split('-')[0]!, version: 0, data: {} }, sessionHost);

/** A group whose gateway messages are recorded, each broadcast as its `except` id. */
function groupWithLog(): { group: ClusterGroup; excepts: (string | undefined)[] } {
  const excepts: (string | undefined)[] = [];
  const host: ClusterGroupHost = { groupOp: () => {}, groupcast: (_g, _r, _b, except) => void excepts.push(except) };
  return { group: new ClusterGroup('room', host), excepts };
}

test('a broadcast counts the members known here but the one excepted, by session or by id', () => {
  const { group, excepts } = groupWithLog();
  const [a, b, c] = [copy('gate1-1'), copy('gate1-2'), copy('gate2-1')];
  for (const s of [a, b, c]) group.add(s);
  assert.equal(group.broadcast('room.onSay', {}), 3);
  assert.equal(group.broadcast('room.onSay', {}, { except: b }), 2);
  assert.equal(group.broadcast('room.onSay', {}, { except: 'gate2-1' }), 2);
  assert.equal(group.broadcast('room.onSay', {}, { except: 'gate3-9' }), 3, 'an id known nowhere here excepts nobody');
  assert.deepEqual(excepts, [undefined, 'gate1-2', 'gate2-1', 'gate3-9']);
});

test('an id excepts a member no longer once it was removed or its session closed', () => {
  const { group } = groupWithLog();
  const [a, b] = [copy('gate1-1'), copy('gate1-2')];
  group.add(a);
  group.add(b);
  group.add(a);
  group.remove(a);
  assert.equal(group.broadcast('room.onSay', {}, { except: 'gate1-1' }), 1);
  b.markClosed('gone');
  assert.equal(group.size, 0);
  assert.equal(group.broadcast('room.onSay', {}, { except: 'gate1-2' }), 0);
});

test('a copy that moved to another gateway is excepted by its new id, not its old one', () => {
  const { group } = groupWithLog();
  const [a, b] = [copy('gate1-1'), copy('gate1-2')];
  group.add(a);
  group.add(b);
  a.moved('gate2-7', 'gate2', undefined);
  assert.equal(group.broadcast('room.onSay', {}, { except: 'gate2-7' }), 1);
  assert.equal(group.broadcast('room.onSay', {}, { except: 'gate1-1' }), 2);
  group.remove(a);
  assert.equal(group.broadcast('room.onSay', {}, { except: 'gate2-7' }), 1);
  a.moved('gate3-1', 'gate3', undefined); // no longer a member: the group is not told
  assert.equal(group.broadcast('room.onSay', {}, { except: 'gate3-1' }), 1);
});
