import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Discovery, MembershipListener } from '../../src/cluster/discovery.js';
import { Router, type CustomRoute } from '../../src/cluster/instance-router.js';
import { hashServers, rendezvousPick } from '../../src/cluster/rendezvous.js';
import type { ServerInfo } from '../../src/cluster/server-info.js';

const server = (id: string, type = 'chat'): ServerInfo => ({ id, type, host: '127.0.0.1', port: 0, frontend: false, services: [type] });
const chats = (n: number): ServerInfo[] => Array.from({ length: n }, (_, i) => server(`chat${i + 1}`));
const SESSIONS = Array.from({ length: 10_000 }, (_, i) => `gate1-${i + 1}`);

function assignment(router: Router, type = 'chat'): Map<string, string> {
  return new Map(SESSIONS.map((s) => [s, router.pick(type, 'chat.say', s)!.id]));
}

test('sessions spread evenly: each of 5 servers gets within 10% of a fifth', () => {
  const router = new Router();
  router.update(chats(5));
  const counts = new Map<string, number>();
  for (const id of assignment(router).values()) counts.set(id, (counts.get(id) ?? 0) + 1);
  assert.equal(counts.size, 5);
  for (const [id, c] of counts) assert.ok(Math.abs(c - 2000) < 200, `${id} got ${c} of 10000`);
});

test('when a member leaves, only the sessions that were on it move', () => {
  const router = new Router();
  router.update(chats(5));
  const before = assignment(router);
  router.update(chats(5).filter((s) => s.id !== 'chat3'));
  const after = assignment(router);
  let moved = 0;
  for (const s of SESSIONS) {
    if (before.get(s) === 'chat3') {
      assert.notEqual(after.get(s), 'chat3');
      moved++;
    } else {
      assert.equal(after.get(s), before.get(s), `${s} moved though its server stayed`);
    }
  }
  assert.ok(moved > 1500 && moved < 2500, `moved ${moved}`);
});

test('when a member joins 5, about 1/6 of sessions move, all of them to the newcomer', () => {
  const router = new Router();
  router.update(chats(5));
  const before = assignment(router);
  router.update(chats(6));
  const after = assignment(router);
  let moved = 0;
  for (const s of SESSIONS) {
    if (after.get(s) === before.get(s)) continue;
    assert.equal(after.get(s), 'chat6');
    moved++;
  }
  const fraction = moved / SESSIONS.length;
  assert.ok(Math.abs(fraction - 1 / 6) < 0.02, `moved ${fraction}`);
});

test('the choice depends only on the session and the member set, not on order or on the router instance', () => {
  const a = new Router();
  const b = new Router();
  a.update([...chats(4), server('gate1', 'gateway')]);
  b.update([server('gate1', 'gateway'), ...chats(4).reverse()]);
  for (const s of SESSIONS.slice(0, 500)) assert.equal(a.pick('chat', 'chat.say', s)?.id, b.pick('chat', 'chat.join', s)?.id);
  const set = hashServers(chats(4));
  assert.equal(rendezvousPick(set, 'gate1-7')?.id, a.pick('chat', 'x.y', 'gate1-7')?.id);
});

test('no candidates of the type → undefined (the caller answers unavailable)', () => {
  const router = new Router();
  assert.equal(router.pick('chat', 'chat.say', 's1'), undefined);
  router.update([server('gate1', 'gateway')]);
  assert.equal(router.pick('chat', 'chat.say', 's1'), undefined);
  assert.deepEqual(router.candidates('chat'), []);
  router.update(chats(1));
  assert.equal(router.pick('chat', 'chat.say', 's1')?.id, 'chat1');
  router.update([]);
  assert.equal(router.pick('chat', 'chat.say', 's1'), undefined);
});

test('a custom route function chooses among the live candidates of its type', () => {
  const calls: [string, string, string[]][] = [];
  const byRoom: CustomRoute = (route, session, candidates) => {
    calls.push([route, session.id, candidates.map((c) => c.id)]);
    const room = Number(String((session.data as Record<string, unknown> | undefined)?.room ?? 0));
    return candidates[room % candidates.length];
  };
  const router = new Router({ custom: { chat: byRoom, game: () => undefined } });
  router.update([...chats(3), server('game1', 'game')]);
  assert.equal(router.pick('chat', 'chat.say', 's1', { room: 4 })?.id, 'chat2');
  assert.deepEqual(calls, [['chat.say', 's1', ['chat1', 'chat2', 'chat3']]]);
  assert.equal(router.pick('game', 'game.move', 's1'), undefined, 'a custom function may refuse');
  assert.throws(() => new Router({ custom: { chat: 'nope' as unknown as CustomRoute } }), /custom\.chat must be a function/);
});

class MemoryDiscovery implements Discovery {
  #members: ServerInfo[] = [];
  readonly #listeners = new Set<MembershipListener>();
  async start(self: ServerInfo): Promise<void> {
    this.set([...this.#members, self]);
  }
  members(): readonly ServerInfo[] {
    return this.#members;
  }
  subscribe(listener: MembershipListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  async stop(): Promise<void> {}
  set(members: ServerInfo[]): void {
    this.#members = members;
    for (const l of this.#listeners) l(members);
  }
  get listeners(): number {
    return this.#listeners.size;
  }
}

test('follow(discovery) takes the members now and on every change, until close()', async () => {
  const discovery = new MemoryDiscovery();
  discovery.set(chats(2));
  const router = new Router();
  router.follow(discovery);
  assert.deepEqual(router.candidates('chat').map((s) => s.id), ['chat1', 'chat2']);
  discovery.set([server('chat9')]);
  assert.equal(router.pick('chat', 'chat.say', 'anyone')?.id, 'chat9');
  router.close();
  assert.equal(discovery.listeners, 0);
  discovery.set([]);
  assert.equal(router.pick('chat', 'chat.say', 'anyone')?.id, 'chat9', 'no longer following');
});
