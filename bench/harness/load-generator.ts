/** Runs a load generator on the load core and returns its result event. */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchChild, LOAD_CORE } from './child-processes.js';
import type { ChildMessage } from './child-messages.js';

const loadDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../load');

/** Starts `script` (a file in bench/load) with its parameters, pinned to the load core. */
export function startGenerator(script: string, params: object): BenchChild {
  return BenchChild.script(path.join(loadDir, script), [JSON.stringify(params)], { name: script, core: LOAD_CORE });
}

/** Waits for a child's `result` (resolved) or `error` (rejected) event. */
export async function resultOf<T>(child: BenchChild, timeoutMs: number): Promise<T> {
  const message: ChildMessage = await child.waitFor((m) => m.event === 'result' || m.event === 'error', timeoutMs, 'result');
  if (message.event === 'error') throw new Error(`${child.name} failed: ${String(message.message)}`);
  return message as unknown as T;
}

/** Runs a generator to its result; it is stopped whatever happens. */
export async function runGenerator<T>(script: string, params: object, timeoutMs: number): Promise<T> {
  const child = startGenerator(script, params);
  try {
    return await resultOf<T>(child, timeoutMs);
  } finally {
    await child.stop();
  }
}
