/**
 * The suite's child processes: servers pinned to core 0 and load generators pinned to core 1 with
 * `taskset`, talking to the orchestrator in JSON lines on stdout (and commands on stdin). Every
 * child is tracked and killed when the suite exits, however it exits, so a failed run never leaves
 * a server behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ChildMessage } from './child-messages.js';
import { nodeArgsFor } from './compiled-scripts.js';

/** Core the servers run on. */
export const SERVER_CORE = 0;
/** Core the load generators run on. */
export const LOAD_CORE = 1;

/** How long a stopped child may linger before it is SIGKILLed, in ms. */
const STOP_GRACE_MS = 3000;

const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** Kills every child on exit and on SIGINT/SIGTERM, once. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

let tasksetPresent: boolean | undefined;

/** Whether `taskset` (util-linux) is installed and this machine has a second core to pin to. */
export function canPin(): boolean {
  if (tasksetPresent === undefined) {
    const probe = spawnSync('taskset', ['--version'], { stdio: 'ignore' });
    tasksetPresent = probe.status === 0 && availableParallelism() >= 2;
  }
  return tasksetPresent;
}

/** Pins a running process, all its threads, to `core` (for servers we do not spawn through taskset). */
export function pinPid(pid: number, core: number): void {
  if (canPin()) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

/** Options of a child. */
export interface ChildOptions {
  /** Name in messages and errors. */
  readonly name: string;
  /** Core to pin to; undefined runs unpinned. */
  readonly core?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Extra options for node itself, e.g. `--expose-gc`. */
  readonly nodeArgs?: readonly string[];
}

type Waiter = { match: (m: ChildMessage) => boolean; resolve: (m: ChildMessage) => void; reject: (e: Error) => void };

/** A running child process and the JSON messages it printed. */
export class BenchChild {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #messages: ChildMessage[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly exited: Promise<number | null>;
  #tail = '';
  #partial = '';

  private constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.#child = child;
    live.add(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        const why = new Error(`${name} exited (${code ?? signal}) while awaited:\n${this.#tail}`);
        for (const w of this.#waiters) w.reject(why);
        this.#waiters.clear();
        resolve(code);
      });
    });
    child.stdout!.on('data', (chunk: Buffer) => this.#onStdout(chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => this.#keep(chunk.toString('utf8')));
  }

  /** Runs a TypeScript script of this repository (compiled when dist/ is fresh), pinned when possible. */
  static script(script: string | URL, args: readonly string[], options: ChildOptions): BenchChild {
    const path = script instanceof URL ? fileURLToPath(script) : script;
    return BenchChild.exec(process.execPath, [...(options.nodeArgs ?? []), ...nodeArgsFor(path), ...args], options);
  }

  /** Runs any binary, pinned when possible. */
  static exec(binary: string, args: readonly string[], options: ChildOptions): BenchChild {
    hookExit();
    const pinned = options.core !== undefined && canPin();
    const [file, argv] = pinned ? ['taskset', ['-c', String(options.core), binary, ...args]] : [binary, [...args]];
    const child = spawn(file, argv, {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new BenchChild(options.name, child);
  }

  /** Process id (taskset execs the program, so it is the program's own). */
  get pid(): number {
    return this.#child.pid!;
  }

  /** The last few KB the child printed, for error messages. */
  get output(): string {
    return this.#tail;
  }

  /** Resolves with the first message (already printed or to come) that `match` accepts. */
  waitFor(match: (m: ChildMessage) => boolean, timeoutMs: number, what = 'a message'): Promise<ChildMessage> {
    const seen = this.#messages.find(match);
    if (seen) return Promise.resolve(seen);
    return this.next(match, timeoutMs, what);
  }

  /** Resolves with the first message from now on that `match` accepts (an answer to a command just sent). */
  next(match: (m: ChildMessage) => boolean, timeoutMs: number, what = 'a message'): Promise<ChildMessage> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
      return Promise.reject(new Error(`${this.name} has exited; never sent ${what}:\n${this.#tail}`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`${this.name} sent no ${what} within ${timeoutMs} ms:\n${this.#tail}`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Waits for `{"event": event}`. */
  waitForEvent(event: string, timeoutMs: number): Promise<ChildMessage> {
    return this.waitFor((m) => m.event === event, timeoutMs, `"${event}" event`);
  }

  /** Writes one command line to the child's stdin. */
  send(line: string): void {
    this.#child.stdin!.write(`${line}\n`);
  }

  /** SIGTERM, then SIGKILL if it has not exited after a grace period. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  #onStdout(text: string): void {
    this.#keep(text);
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      let message: ChildMessage;
      try {
        message = JSON.parse(line) as ChildMessage;
      } catch {
        continue;
      }
      this.#messages.push(message);
      for (const w of this.#waiters) {
        if (!w.match(message)) continue;
        this.#waiters.delete(w);
        w.resolve(message);
      }
    }
  }

  #keep(text: string): void {
    this.#tail = (this.#tail + text).slice(-6000);
  }
}

/** Stops children, ignoring those already gone; used in `finally` blocks. */
export async function stopAll(children: readonly (BenchChild | undefined)[]): Promise<void> {
  await Promise.all(children.map((c) => c?.stop()));
}
