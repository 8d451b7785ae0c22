/**
 * Server cost as the kernel accounts it: CPU time from /proc/<pid>/stat and resident memory from
 * /proc/<pid>/status. Reading /proc is how the suite charges a server for its work without asking
 * the server itself (and without trusting the load generator's view of it).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`), the unit of utime and stime; 100 when getconf is absent. */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User plus system CPU seconds a process (all its threads) has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicks();
}

/**
 * Times a process's main thread has gone to sleep waiting (voluntary context switches): for an
 * event loop, how often it ran out of work.
 */
export function voluntarySwitches(pid: number): number {
  return statusNumber(pid, 'voluntary_ctxt_switches');
}

/** Resident set size of a process in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  return statusNumber(pid, 'VmRSS') * 1024;
}

/** A numeric field of /proc/<pid>/status (in the unit the kernel prints, kB for sizes). */
function statusNumber(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** CPU seconds of a set of processes, per process, taken at one instant. */
export type CpuSample = Readonly<Record<string, number>>;

/** Samples the CPU seconds of named processes (name → pid). */
export function sampleCpu(pids: Readonly<Record<string, number>>): CpuSample {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) out[name] = cpuSeconds(pid);
  return out;
}

/** CPU seconds each process used between two samples. */
export function cpuBetween(before: CpuSample, after: CpuSample): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(after)) out[name] = round((after[name] ?? 0) - (before[name] ?? 0), 3);
  return out;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Busy CPU seconds of each core since boot, from /proc/stat: user, nice, system and steal (time the
 * hypervisor gave to someone else). Interrupt time is left out: much of it is the loopback traffic
 * of the measured processes themselves, which the kernel does not charge to them.
 */
export function coreBusySeconds(): number[] {
  const out: number[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (!match) continue;
    const [user, nice, system, , , , , steal] = match[2]!.trim().split(/\s+/).map(Number);
    out[Number(match[1])] = (user! + nice! + system! + steal!) / clockTicks();
  }
  return out;
}
