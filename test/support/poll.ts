import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';

/**
 * Polls `attempt` every `everyMs` until it answers anything but `false`, `undefined` or `null`
 * without throwing, and resolves with that answer. So it waits for a condition (`() => ready`, sync
 * or async) as well as it retries a call until the call succeeds (`() => client.request(...)`); a
 * throw counts as "not yet", and so do `false`, `undefined` and `null`: an attempt that succeeds by
 * not throwing must answer something else (`async () => { await call(); return true; }`), and one
 * that looks something up (`() => map.get(key)`) waits until it is there. After `timeoutMs` (and one
 * more attempt) it fails with `not within <timeoutMs> ms: <what>`, plus the last error thrown, if
 * the last attempt threw. `what` names what was awaited; a function is asked only on failure, so it
 * can describe the state last seen.
 */
export async function until<T>(attempt: () => T | Promise<T>, timeoutMs: number, what: string | (() => string), everyMs = 50): Promise<Exclude<T, false | undefined | null>> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    let failure: { error: unknown } | undefined;
    try {
      const answer = await attempt();
      if (answer !== false && answer !== undefined && answer !== null) return answer as Exclude<T, false | undefined | null>;
    } catch (error) {
      failure = { error };
    }
    if (performance.now() > end) {
      const described = typeof what === 'function' ? what() : what;
      const last = failure === undefined ? '' : `; last attempt threw: ${failure.error instanceof Error ? failure.error.message : inspect(failure.error)}`;
      throw new Error(`not within ${timeoutMs} ms: ${described}${last}`, failure && { cause: failure.error });
    }
    await sleep(everyMs);
  }
}
