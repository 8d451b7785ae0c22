/**
 * Runs a cluster config as real processes for tests: one `yard start` child per server, each
 * waited for until it logs "server started", each stoppable by signal. Killed on exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** One server process of a test cluster. */
export interface ServerProc {
  readonly id: string;
  readonly child: ChildProcess;
  /** Client ports, for frontends. */
  ws?: number;
  tcp?: number;
  /** Everything the process printed (pino JSON lines). */
  output: string;
  exited: Promise<number | null>;
}

/** Writes `config` to a temp file and returns its path. */
export function writeConfig(config: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'yard-cluster-'));
  const file = join(dir, 'cluster.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Starts server `id` of the config file; resolves once it has logged "server started". */
export function startServer(configFile: string, id: string, env: Record<string, string> = {}): Promise<ServerProc> {
  return spawnServer(configFile, id, env).started;
}

/** Like {@link startServer}, but the process (and its output so far) is there before it has started. */
export function spawnServer(configFile: string, id: string, env: Record<string, string> = {}): { proc: ServerProc; started: Promise<ServerProc> } {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'start', '--config', configFile, '--server', id], {
    env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const proc: ServerProc = {
    id,
    child,
    output: '',
    exited: new Promise((resolve) => child.once('exit', (code) => (live.delete(child), resolve(code)))),
  };
  const started = new Promise<ServerProc>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      proc.output += d.toString();
      for (const line of proc.output.split('\n')) {
        if (!line.includes('"server started"')) continue;
        const rec = JSON.parse(line) as { ws?: { port: number }; tcp?: { port: number } };
        proc.ws = rec.ws?.port;
        proc.tcp = rec.tcp?.port;
        child.stdout!.off('data', onData);
        child.stdout!.on('data', (more: Buffer) => (proc.output += more.toString()));
        resolve(proc);
        return;
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (proc.output += d.toString()));
    child.once('exit', (code) => reject(new Error(`server ${id} exited with ${code} before starting:\n${proc.output}`)));
  });
  return { proc, started };
}

/** Stops a server with `signal` and resolves with its exit code. */
export async function stopServer(proc: ServerProc, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (proc.child.exitCode === null) proc.child.kill(signal);
  return proc.exited;
}
