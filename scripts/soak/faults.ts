/**
 * Faults injected during the soak run, one at a time, in turn: a backend SIGKILLed and started
 * again, a gateway SIGKILLed and started again, NATS SIGKILLed and started again on the same port.
 * Each fault is a window, from the kill until {@link SETTLE_MS} after the process it killed is
 * ready again; the accounting asks the log whether a failure falls in one (see RELIABILITY.md,
 * "How it counts"). The servers list is shared with the run and updated on each restart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsService } from '../../test/support/services.js';
import { startServer, type ServerProc } from './cluster.js';
import type { FaultKind } from './settings.js';

/** How long a killed process stays down before it is started again, in ms. */
const DOWN_MS = 1000;
/** After the restarted process is ready, how long the window stays open (membership and NATS reconnects settle), in ms. */
export const SETTLE_MS = 2000;

/** One injected fault. */
export interface FaultWindow {
  readonly kind: FaultKind;
  /** The server or service killed: `soak1`, `gate2`, `nats`. */
  readonly target: string;
  /** ms timestamps: the kill; the restarted process ready; the window's end. */
  readonly killedAt: number;
  readyAt: number | undefined;
  closesAt: number | undefined;
  /** How long the restarted process took to be ready, in ms. */
  restartMs: number | undefined;
  error: string | undefined;
}

/** A fault in the report: what, when (ms after the load started), how long until the process was ready again. */
export interface FaultLine {
  readonly kind: FaultKind;
  readonly target: string;
  readonly atMs: number;
  readonly downMs: number | undefined;
  readonly error: string | undefined;
}

/** The faults of a run, for the accounting and the report. */
export class FaultLog {
  readonly windows: FaultWindow[] = [];
  readonly #origin: number;

  constructor(origin: number) {
    this.#origin = origin;
  }

  /** Whether a fault of `kinds` (any when omitted) was open at some moment of [from, to] (ms timestamps). */
  overlaps(from: number, to: number, kinds?: readonly FaultKind[], target?: string): boolean {
    return this.windows.some((w) => (!kinds || kinds.includes(w.kind)) && (!target || w.target === target) && w.killedAt <= to && (w.closesAt ?? Infinity) >= from);
  }

  /** Whether gateway `id` was down by a fault (killed, not yet restarted and settled) at `at`. */
  gatewayDown(id: string, at: number): boolean {
    return this.overlaps(at, at, ['kill-gateway'], id);
  }

  /** The windows as report lines, times relative to the run's start. */
  summary(): FaultLine[] {
    return this.windows.map((w) => ({ kind: w.kind, target: w.target, atMs: w.killedAt - this.#origin, downMs: w.readyAt === undefined ? undefined : w.readyAt - w.killedAt, error: w.error }));
  }
}

/** What the injector acts on. */
export interface FaultTargets {
  readonly configFile: string;
  /** The run's servers; an entry is replaced when its server is restarted. */
  readonly procs: ServerProc[];
  readonly nats: NatsService;
}

/**
 * Runs the faults in turn until `signal` aborts: waits `everyMs`, injects one, waits for its
 * window to close, and so on. Backends and gateways alternate between the two of each kind.
 */
export async function injectFaults(kinds: readonly FaultKind[], everyMs: number, targets: FaultTargets, log: FaultLog, signal: AbortSignal, say: (text: string) => void): Promise<void> {
  if (kinds.length === 0) return;
  const turns = new Map<FaultKind, number>();
  for (let i = 0; !signal.aborted; i++) {
    if (!(await pause(everyMs, signal))) return;
    const kind = kinds[i % kinds.length]!;
    const turn = turns.get(kind) ?? 0;
    turns.set(kind, turn + 1);
    const target = kind === 'restart-nats' ? 'nats' : `${kind === 'kill-backend' ? 'soak' : 'gate'}${(turn % 2) + 1}`;
    const window: FaultWindow = { kind, target, killedAt: Date.now(), readyAt: undefined, closesAt: undefined, restartMs: undefined, error: undefined };
    log.windows.push(window);
    say(`fault: ${kind} ${target}`);
    try {
      if (kind === 'restart-nats') await restartNats(targets.nats);
      else await restartServer(targets, target);
      window.readyAt = Date.now();
      say(`fault: ${target} back after ${window.readyAt - window.killedAt} ms`);
    } catch (err) {
      window.error = (err as Error).message;
      say(`fault: ${target} did not come back: ${window.error}`);
    }
    await sleep(SETTLE_MS);
    window.closesAt = Date.now();
  }
}

/** Sleeps `ms`; false when aborted first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

async function restartNats(nats: NatsService): Promise<void> {
  await nats.kill();
  await sleep(DOWN_MS);
  await nats.start();
}

/** SIGKILLs server `id` (a gateway's primary: its workers exit with it) and starts it again. */
async function restartServer(targets: FaultTargets, id: string): Promise<void> {
  const i = targets.procs.findIndex((p) => p.plan.id === id);
  const old = targets.procs[i]!;
  old.killedOnPurpose = true;
  old.child.kill('SIGKILL');
  await old.exited;
  await sleep(DOWN_MS);
  targets.procs[i] = await startServer(targets.configFile, old.plan, old.log);
}
