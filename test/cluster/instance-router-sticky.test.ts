import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Router } from '../../src/cluster/instance-router.js';
import type { ServerInfo } from '../../src/cluster/server-info.js';
import { stickyKey } from '../../src/cluster/sticky-bindings.js';
import { Session, type SessionLink } from '../../src/gateway/session.js';

const server = (id: string, type: string): ServerInfo => ({ id, type, host: '127.0.0.1', port: 0, frontend: false, services: [type] });
const games = (n: number): ServerInfo[] => Array.from({ length: n }, (_, i) => server(`game${i + 1}`, 'game'));
const SESSIONS = Array.from({ length: 2000 }, (_, i) => `gate1-${i + 1}`);

const link: SessionLink = { send: () => true, kick: () => {}, errorFlag: false, open: true, routeCode: () => undefined, countPush: () => {} };
const gatewaySession = (id: string): Session => new Session(id, 'gate1', '127.0.0.1', link, () => {});

test('the binding key is yard.sticky.<type>', () => {
  assert.equal(stickyKey('game'), 'yard.sticky.game');
});

test('a sticky session stays on its instance when a member joins; a plain one may move', () => {
  const router = new Router({ sticky: ['game'] });
  router.update([...games(4), ...games(4).map((g) => server(g.id.replace('game', 'chat'), 'chat'))]);
  const first = new Map(SESSIONS.map((s) => [s, router.pick('game', 'game.move', s)!.id]));
  const chatBefore = new Map(SESSIONS.map((s) => [s, router.pick('chat', 'chat.say', s)!.id]));
  router.update([...games(5), ...games(5).map((g) => server(g.id.replace('game', 'chat'), 'chat'))]);
  for (const s of SESSIONS) assert.equal(router.pick('game', 'game.move', s)?.id, first.get(s), `${s} left its game server`);
  const chatMoved = SESSIONS.filter((s) => router.pick('chat', 'chat.say', s)?.id !== chatBefore.get(s)).length;
  assert.ok(chatMoved > 250 && chatMoved < 550, `non-sticky chat sessions moved: ${chatMoved} of 2000 (expected ~1/5)`);
  // New sessions do land on the newcomer.
  const fresh = Array.from({ length: 1000 }, (_, i) => `gate2-${i}`).filter((s) => router.pick('game', 'game.move', s)?.id === 'game5');
  assert.ok(fresh.length > 100, `new sessions on game5: ${fresh.length}`);
});

test('the binding lives in a gateway Session under yard.sticky.<type> and is honoured on the next pick', () => {
  const router = new Router({ sticky: ['game'] });
  router.update(games(3));
  const session = gatewaySession('gate1-42');
  const chosen = router.pick('game', 'game.join', session.id, session);
  assert.ok(chosen);
  assert.equal(session.get('yard.sticky.game'), chosen.id);
  assert.equal(router.boundTo('game', session.id, session), chosen.id);
  // Bind the session elsewhere by hand (say, a matchmaker put it in a room on game3): the router follows.
  session.set('yard.sticky.game', 'game3');
  assert.equal(router.pick('game', 'game.move', session.id, session)?.id, 'game3');
});

test('the binding can live in forwarded session data (a plain record)', () => {
  const router = new Router({ sticky: ['game'] });
  router.update(games(3));
  const data: Record<string, unknown> = { 'yard.sticky.game': 'game2' };
  assert.equal(router.pick('game', 'game.move', 'gate1-1', data)?.id, 'game2');
  const other: Record<string, unknown> = {};
  const chosen = router.pick('game', 'game.move', 'gate1-2', other);
  assert.equal(other['yard.sticky.game'], chosen?.id);
});

test('when the bound instance leaves, the session is re-placed and re-bound; it stays there after', () => {
  const router = new Router({ sticky: ['game'] });
  router.update(games(3));
  const data: Record<string, unknown> = {};
  const first = router.pick('game', 'game.move', 'gate1-7', data)!.id;
  router.update(games(3).filter((g) => g.id !== first));
  const second = router.pick('game', 'game.move', 'gate1-7', data)!.id;
  assert.notEqual(second, first);
  assert.equal(data[stickyKey('game')], second);
  router.update(games(3)); // the first one comes back
  assert.equal(router.pick('game', 'game.move', 'gate1-7', data)?.id, second, 'binding kept, no flapping back');
});

test('without session data the router keeps bindings itself until unbind(sessionId)', () => {
  const router = new Router({ sticky: ['game'] });
  router.update(games(2));
  const before = new Map(SESSIONS.map((s) => [s, router.pick('game', 'game.move', s)!.id]));
  router.update(games(6));
  for (const s of SESSIONS) assert.equal(router.pick('game', 'game.move', s)?.id, before.get(s));
  for (const s of SESSIONS) router.unbind(s);
  const moved = SESSIONS.filter((s) => router.pick('game', 'game.move', s)?.id !== before.get(s)).length;
  assert.ok(moved > 1000, `after unbind sessions are placed afresh over 6 servers (moved ${moved} of 2000)`);
});

test('sticky on top of a custom function: the function runs once per session', () => {
  let calls = 0;
  const router = new Router({
    sticky: ['game'],
    custom: {
      game: (_route, _session, candidates) => {
        calls++;
        return candidates[candidates.length - 1];
      },
    },
  });
  router.update(games(3));
  for (let i = 0; i < 5; i++) assert.equal(router.pick('game', 'game.move', 'gate1-1')?.id, 'game3');
  assert.equal(calls, 1);
});

test('sticky must name server types', () => {
  assert.throws(() => new Router({ sticky: [''] }), /sticky must be an array of server type names/);
});
