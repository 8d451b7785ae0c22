/**
 * `yard cluster --config <file>`: a whole cluster on this machine for development, each server its
 * own process (`yard start`), stopped together on SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadClusterConfig } from '../app/cluster-config.js';
import { onStopSignals } from './stop-signals.js';

/** Starts every server of the config as a child process; resolves when all have exited. */
export function runCluster(configFile: string, only?: string[]): Promise<void> {
  const config = loadClusterConfig(configFile);
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const execArgv = process.execArgv;
  const servers = config.servers.filter((s) => !only || only.includes(s.id));
  const children: ChildProcess[] = servers.map((s) =>
    spawn(process.execPath, [...execArgv, main, 'start', '--config', configFile, '--server', s.id], { stdio: 'inherit' }),
  );
  const stop = (signal: NodeJS.Signals): void => {
    for (const c of children) if (c.exitCode === null) c.kill(signal);
  };
  const off = onStopSignals(stop);
  return Promise.all(children.map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())))).then(off);
}

/** Registers `yard cluster`. */
export function registerClusterCommand(program: Command): void {
  program
    .command('cluster')
    .description('run every server of a cluster config as its own process')
    .requiredOption('-c, --config <file>', 'cluster config (JSON)')
    .option('--only <ids...>', 'run only these servers')
    .action(async (opts: { config: string; only?: string[] }) => runCluster(opts.config, opts.only));
}
