/**
 * `yard start --config <file> --server <id>`: runs one server of a cluster config. A server with
 * `workers` > 1 forks that many processes sharing its client ports (node:cluster), each its own
 * server `<id>_<n>`.
 */
import cluster from 'node:cluster';
import type { Command } from 'commander';
import { loadClusterConfig } from '../app/cluster-config.js';
import { startClusterServer } from '../app/cluster-server.js';
import { onStopSignals } from './stop-signals.js';

const WORKER_ENV = 'YARD_WORKER_ID';

async function runServer(configFile: string, id: string): Promise<void> {
  const config = loadClusterConfig(configFile);
  const app = await startClusterServer(config, id);
  app.stopOnSignals();
}

/**
 * Forks one worker per instance of a multi-worker server and relays stop signals to them. A worker
 * that dies on its own takes the others down and the primary exits 1, so a supervisor sees it.
 */
function runWorkers(id: string, workers: number): void {
  for (let n = 0; n < workers; n++) cluster.fork({ [WORKER_ENV]: `${id}_${n}` });
  let alive = workers;
  let stopping = false;
  let failed = false;
  const relay = (signal: NodeJS.Signals): void => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
  };
  cluster.on('exit', (_worker, code) => {
    if (!stopping && code !== 0) {
      failed = true;
      relay('SIGTERM');
    }
    if (--alive === 0) process.exit(failed ? 1 : 0);
  });
  onStopSignals(relay);
}

/** Registers `yard start`. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run one server of a cluster config')
    .requiredOption('-c, --config <file>', 'cluster config (JSON)')
    .requiredOption('-s, --server <id>', 'server id from the config')
    .action(async (opts: { config: string; server: string }) => {
      const workerId = process.env[WORKER_ENV];
      if (cluster.isWorker && workerId) return runServer(opts.config, workerId);
      const server = loadClusterConfig(opts.config).servers.find((s) => s.id === opts.server);
      if (server && server.workers > 1) return runWorkers(server.id, server.workers);
      return runServer(opts.config, opts.server);
    });
}
