// The behaviour every SessionRegistry shares; each implementation's test file runs it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionRegistry } from '../../src/cluster/session-registry.js';
import { RpcError } from '../../src/rpc/errors.js';

const isCode = (code: string) => (err: unknown) => err instanceof RpcError && err.code === code;

/** Registers the shared tests; `make` gives a fresh registry (the tests close it). */
export function sessionRegistryContract(name: string, make: () => Promise<SessionRegistry>): void {
  test(`${name}: bind returns what it replaced; lookup finds the latest`, async () => {
    const r = await make();
    try {
      assert.equal(await r.lookup('u1'), undefined);
      assert.equal(await r.bind('u1', { frontendId: 'gate1', sessionId: 's1' }), undefined);
      assert.deepEqual(await r.lookup('u1'), { frontendId: 'gate1', sessionId: 's1' });
      assert.deepEqual(await r.bind('u1', { frontendId: 'gate2', sessionId: 's9' }), { frontendId: 'gate1', sessionId: 's1' });
      assert.deepEqual(await r.lookup('u1'), { frontendId: 'gate2', sessionId: 's9' });
    } finally {
      await r.close();
    }
  });

  test(`${name}: unbind forgets only the session still bound (a newer login stays)`, async () => {
    const r = await make();
    try {
      await r.bind('u2', { frontendId: 'gate1', sessionId: 'old' });
      await r.bind('u2', { frontendId: 'gate2', sessionId: 'new' });
      await r.unbind('u2', 'old');
      assert.deepEqual(await r.lookup('u2'), { frontendId: 'gate2', sessionId: 'new' });
      await r.unbind('u2', 'new');
      assert.equal(await r.lookup('u2'), undefined);
      await r.unbind('nobody', 'x');
    } finally {
      await r.close();
    }
  });

  test(`${name}: concurrent binds of one user replace each other exactly once`, async () => {
    const r = await make();
    try {
      const sessions = Array.from({ length: 50 }, (_, i) => `s${i}`);
      const previous = await Promise.all(sessions.map((s, i) => r.bind('u3', { frontendId: `gate${i % 3}`, sessionId: s })));
      const final = await r.lookup('u3');
      const replaced = previous.filter((p) => p !== undefined).map((p) => p!.sessionId);
      assert.equal(previous.filter((p) => p === undefined).length, 1, 'exactly one bind found nothing');
      assert.deepEqual([...replaced, final!.sessionId].sort(), [...sessions].sort(), 'each session replaced once, one left');
    } finally {
      await r.close();
    }
  });

  test(`${name}: bad arguments are bad_payload; calls after close are unavailable`, async () => {
    const r = await make();
    await assert.rejects(r.bind('', { frontendId: 'g', sessionId: 's' }), isCode('bad_payload'));
    await assert.rejects(r.bind('u', { frontendId: '', sessionId: 's' }), isCode('bad_payload'));
    await assert.rejects(r.lookup(undefined as unknown as string), isCode('bad_payload'));
    await r.close();
    await r.close();
    await assert.rejects(r.lookup('u'), isCode('unavailable'));
  });

  test(`${name}: resumable snapshots are saved, taken once, refreshed, dropped, and expire`, async () => {
    const r = await make();
    try {
      const snap = { uid: 'u9', data: { room: 'den', n: 1 }, groups: ['room:den'] };
      await r.saveResumable!('tok1', snap, 60_000);
      assert.deepEqual(await r.takeResumable!('tok1'), snap);
      assert.equal(await r.takeResumable!('tok1'), undefined, 'taken once');
      const moved = { sessionId: 'gate1-0k3x9q2a-7', servedBy: ['chat1', 'game2'], ...snap };
      await r.saveResumable!('tok5', moved, 60_000);
      assert.deepEqual(await r.takeResumable!('tok5'), moved, 'the session id and the servers with copies come back');
      await r.saveResumable!('tok2', { data: {}, groups: [] }, 60_000);
      await r.dropResumable!('tok2');
      assert.equal(await r.takeResumable!('tok2'), undefined);
      await r.saveResumable!('tok3', snap, 150);
      await r.saveResumable!('tok4', snap, 150);
      await r.refreshResumable!(['tok3', 'missing'], 60_000);
      await new Promise((res) => setTimeout(res, 250));
      assert.deepEqual(await r.takeResumable!('tok3'), snap, 'refreshed: still there');
      assert.equal(await r.takeResumable!('tok4'), undefined, 'expired');
      await assert.rejects(r.saveResumable!('', snap, 1000), isCode('bad_payload'));
      await assert.rejects(r.saveResumable!('t', snap, 0), isCode('bad_payload'));
    } finally {
      await r.close();
    }
  });

  test(`${name}: a handover snapshot keeps its push number and pushes; updateResumable writes only while it is there`, async () => {
    const r = await make();
    try {
      const pushes = [Uint8Array.of(4, 0, 0, 2, 6, 1), Uint8Array.of(4, 0, 0, 1, 6)];
      const snap = { uid: 'u8', data: { room: 'den' }, groups: ['room:den'], seq: 12, pushes };
      await r.saveResumable!('h1', { uid: 'u8', data: {}, groups: [], seq: 10, pushes: [] }, 60_000);
      assert.equal(await r.updateResumable!('h1', snap, 60_000), true, 'there: written');
      const kept = await r.takeResumable!('h1');
      assert.deepEqual({ ...kept, pushes: kept?.pushes?.map((p) => [...p]) }, { ...snap, pushes: pushes.map((p) => [...p]) });
      assert.equal(await r.updateResumable!('h1', snap, 60_000), false, 'taken: not written');
      assert.equal(await r.takeResumable!('h1'), undefined, 'and not brought back');
      await assert.rejects(r.updateResumable!('', snap, 1000), isCode('bad_payload'));
    } finally {
      await r.close();
    }
  });
}
