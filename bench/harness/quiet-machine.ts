/**
 * Other work on the machine skews every figure, and pinning keeps only our own processes apart.
 * Before each workload a full run waits, for a bounded time, until the cores have been mostly idle
 * for a moment, and records what it found.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { coreBusySeconds } from './proc-stats.js';

/** What the wait found. */
export interface QuietCheck {
  /** Seconds spent waiting. */
  readonly waitedSec: number;
  /** Share of all cores (0..1) busy in the last sample before the workload started. */
  readonly busyShare: number;
}

/** Busy share of all cores over `ms`. */
async function busyShare(ms: number): Promise<number> {
  const before = coreBusySeconds();
  await sleep(ms);
  const after = coreBusySeconds();
  let busy = 0;
  for (let i = 0; i < after.length; i++) busy += (after[i] ?? 0) - (before[i] ?? 0);
  return busy / ((ms / 1000) * Math.max(1, after.length));
}

/** Waits until at most `threshold` of the machine is busy over a 2-second sample, or `maxWaitMs` has passed. */
export async function waitForQuiet(maxWaitMs: number, threshold = 0.15): Promise<QuietCheck> {
  const started = Date.now();
  let share = await busyShare(2000);
  while (share > threshold && Date.now() - started < maxWaitMs) share = await busyShare(2000);
  return { waitedSec: Math.round((Date.now() - started) / 1000), busyShare: Math.round(share * 1000) / 1000 };
}
