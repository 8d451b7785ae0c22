/**
 * In-process profiling for the admin endpoints (the seed's pprof): a V8 CPU profile over a few
 * seconds, and a heap snapshot. Both run inside the server being profiled, through V8's own
 * inspector protocol, so nothing has to be started with `--inspect`.
 */
import { Session } from 'node:inspector/promises';
import type { Readable } from 'node:stream';
import { getHeapSnapshot } from 'node:v8';

/** A V8 CPU profile, the JSON a `.cpuprofile` file holds (Chrome DevTools and speedscope open it). */
export interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string } }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/**
 * Samples the CPU for `ms` milliseconds (less if `signal` aborts first) and returns the profile.
 * The wait is a timer, so the server keeps serving, and being measured, meanwhile.
 */
export async function captureCpuProfile(ms: number, signal?: AbortSignal): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    await sleep(ms, signal);
    const { profile } = await session.post('Profiler.stop');
    return profile;
  } finally {
    session.disconnect();
  }
}

/**
 * A heap snapshot as a stream of JSON (starts with `{"snapshot"`). Taking it pauses the process
 * for a time that grows with the heap; streaming it out does not.
 */
export function heapSnapshotStream(): Readable {
  return getHeapSnapshot();
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
