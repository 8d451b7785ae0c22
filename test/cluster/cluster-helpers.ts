import { setTimeout as sleep } from 'node:timers/promises';
import type { Discovery } from '../../src/cluster/discovery.js';
import type { ServerInfo } from '../../src/cluster/server-info.js';

/** A ServerInfo for tests. */
export function server(id: string, type = 'chat', frontend = false): ServerInfo {
  return { id, type, host: '127.0.0.1', port: 0, frontend, services: [type] };
}

/** Sorted ids of the members a discovery sees. */
export function ids(discovery: Discovery): string[] {
  return discovery.members().map((m) => m.id).sort();
}

/** Polls `check` every 20 ms until it holds; fails with `what` after `timeoutMs`. Resolves with the ms it took. */
export async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
  return Date.now() - started;
}

/** Polls the (possibly async) `check` every `everyMs` until it answers true, a throw counting as false; fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(everyMs);
  }
}
