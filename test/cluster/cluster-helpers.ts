import type { Discovery } from '../../src/cluster/discovery.js';
import type { ServerInfo } from '../../src/cluster/server-info.js';
import { until } from '../support/poll.js';

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
  await until(check, timeoutMs, what, 20);
  return Date.now() - started;
}
