/**
 * A load generator's measured window: wall time, the CPU each server process used, the generator's
 * own CPU, and the CPU other processes took on the two cores meanwhile. The last figure says how
 * far a run can be trusted: pinning keeps our processes apart, not anyone else's off our cores.
 */
import { LOAD_CORE, SERVER_CORE } from './child-processes.js';
import { coreBusySeconds, cpuBetween, sampleCpu, voluntarySwitches, type CpuSample } from './proc-stats.js';

/** What a window measured. */
export interface WindowFigures {
  readonly seconds: number;
  readonly cpuByProcess: Record<string, number>;
  /** The generator's own CPU seconds: close to `seconds` means it, not the server, was the limit. */
  readonly generatorCpuSeconds: number;
  /** Share of each core (0..1) that processes other than the measured ones used during the window. */
  readonly otherLoad: { readonly serverCore: number; readonly loadCore: number };
  /** Wake-ups of the server processes' main threads (see `voluntarySwitches`), summed. */
  readonly serverWakeups: number;
}

/** An open window. */
export interface OpenWindow {
  readonly started: number;
  readonly servers: CpuSample;
  readonly own: NodeJS.CpuUsage;
  readonly cores: number[];
  readonly wakeups: number;
}

/** Opens a window: samples everything now. */
export function openWindow(serverPids: Readonly<Record<string, number>>): OpenWindow {
  return { started: performance.now(), servers: sampleCpu(serverPids), own: process.cpuUsage(), cores: coreBusySeconds(), wakeups: wakeupsOf(serverPids) };
}

/** Closes a window and returns its figures. */
export function closeWindow(window: OpenWindow, serverPids: Readonly<Record<string, number>>): WindowFigures {
  const seconds = (performance.now() - window.started) / 1000;
  const cpuByProcess = cpuBetween(window.servers, sampleCpu(serverPids));
  const own = process.cpuUsage(window.own);
  const generatorCpuSeconds = (own.user + own.system) / 1e6;
  const cores = coreBusySeconds();
  const busy = (core: number): number => (cores[core] ?? 0) - (window.cores[core] ?? 0);
  const serverCpu = Object.values(cpuByProcess).reduce((a, b) => a + b, 0);
  const share = (x: number): number => Math.round(Math.min(1, Math.max(0, x / seconds)) * 1000) / 1000;
  return {
    seconds,
    cpuByProcess,
    generatorCpuSeconds,
    otherLoad: { serverCore: share(busy(SERVER_CORE) - serverCpu), loadCore: share(busy(LOAD_CORE) - generatorCpuSeconds) },
    serverWakeups: wakeupsOf(serverPids) - window.wakeups,
  };
}

function wakeupsOf(pids: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const pid of Object.values(pids)) n += voluntarySwitches(pid);
  return n;
}
