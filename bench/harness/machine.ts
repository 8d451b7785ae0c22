/** The machine a run measured, recorded beside every figure so numbers are never read out of context. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { clockTicks } from './proc-stats.js';

/** What a reader needs to compare a run with another. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly kernel: string;
  readonly clockTicks: number;
  /** Open file limit of the suite's processes (`ulimit -n`); the idle-connection workload needs it high. */
  readonly openFileLimit: string;
  /** Whether servers and load generators ran pinned to separate cores. */
  readonly pinned: boolean;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine skews every figure. */
  readonly loadAverageAtStart: readonly number[];
  readonly date: string;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1]!.trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** `ulimit -n` of this process (children inherit it). */
export function openFileLimit(): string {
  try {
    return execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Describes this machine; `pinned` says whether taskset was available. */
export function machineInfo(pinned: boolean): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    clockTicks: clockTicks(),
    openFileLimit: openFileLimit(),
    pinned,
    loadAverageAtStart: loadAverage(),
    date: new Date().toISOString(),
  };
}

/** The 1, 5 and 15 minute load averages, two decimals. */
export function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}
