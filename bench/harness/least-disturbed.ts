/**
 * Other work on the machine can land on our cores in the middle of a measurement. A full run
 * measures such a window again (after waiting for the machine to settle) and keeps the attempt
 * that other processes disturbed least; the retries of a whole run are capped so it still ends in
 * bounded time. Quick runs never retry.
 */
import type { BenchContext } from './bench-context.js';
import { waitForQuiet } from './quiet-machine.js';

/** Other load (share of a core, 0..1) above which a window is measured again. */
export const DISTURBED_SHARE = 0.2;
/** Retries one measurement may take. */
const RETRIES_PER_MEASUREMENT = 2;
/** How long to wait for the machine to settle before a retry, in ms. */
const SETTLE_MS = 30_000;

/** Retries left for the whole run (shared by every workload). */
export interface RetryBudget {
  left: number;
}

/**
 * Runs `attempt`, and again while `disturbance(result)` exceeds {@link DISTURBED_SHARE} and retries
 * are left; resolves with the least disturbed result.
 */
export async function leastDisturbed<T>(ctx: BenchContext, what: string, attempt: () => Promise<T>, disturbance: (r: T) => number): Promise<T> {
  let best = await attempt();
  for (let i = 0; i < RETRIES_PER_MEASUREMENT && !ctx.quick && ctx.retries.left > 0 && disturbance(best) > DISTURBED_SHARE; i++) {
    ctx.retries.left--;
    ctx.log(`${what}: other processes took ${Math.round(disturbance(best) * 100)}% of a core; measuring again`);
    await waitForQuiet(SETTLE_MS);
    const next = await attempt();
    if (disturbance(next) < disturbance(best)) best = next;
  }
  return best;
}

/** The disturbance of a measured window: the larger share of a core other processes took, on the server's core or the load's. */
export function otherLoadPeak(r: { readonly otherLoad: { readonly serverCore: number; readonly loadCore: number } }): number {
  return Math.max(r.otherLoad.serverCore, r.otherLoad.loadCore);
}
