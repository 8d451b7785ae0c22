/**
 * Starts the servers a workload measures, each pinned to the server core: the raw `ws` baselines,
 * a gateway in one process, a cluster (gateway + backend as `yard start` processes over TCP pools
 * or NATS, with nats-server pinned beside them), and B5's RPC and gRPC servers. Each returns the
 * processes to charge for CPU and a `stop` that ends them all.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startNats, type NatsService } from '../../test/support/services.js';
import { BenchChild, pinPid, SERVER_CORE, stopAll } from './child-processes.js';
import { runnablePath } from './compiled-scripts.js';
import { removeTempDir, tempDir } from './temp-dirs.js';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(benchDir, '..');
/** How long a server may take to say it is ready, in ms. */
const READY_MS = 30_000;

/** Node options every Switchyard and baseline server process gets (`--cpu-prof` when profiling). */
let serverNodeArgs: readonly string[] = [];

/** Makes every server process write a V8 CPU profile into `dir` when it stops (`--cpu-prof`). */
export function profileServersInto(dir: string): void {
  serverNodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** Servers a workload runs against. */
export interface RunningServers {
  /** WebSocket URL clients connect to (empty for servers without one). */
  readonly url: string;
  /** Processes whose CPU counts as the server's, name → pid. */
  readonly pids: Record<string, number>;
  /** The process that answers `gc` and reports readiness (the gateway for a cluster). */
  readonly main: BenchChild;
  /** What the server printed when ready (`endpoint`, `port`). */
  readonly ready: Readonly<Record<string, unknown>>;
  stop(): Promise<void>;
}

function server(name: string, script: string, params: object, nodeArgs: readonly string[] = [], env: Record<string, string> = {}): BenchChild {
  return BenchChild.script(path.join(benchDir, 'servers', script), [JSON.stringify(params)], {
    name,
    core: SERVER_CORE,
    nodeArgs: [...serverNodeArgs, ...nodeArgs],
    env: { SWITCHYARD_LOG_LEVEL: 'warn', ...env },
  });
}

async function single(name: string, child: BenchChild): Promise<RunningServers> {
  try {
    const ready = await child.waitForEvent('ready', READY_MS);
    const port = ready.port as number | undefined;
    return { url: port ? `ws://127.0.0.1:${port}/` : '', pids: { [name]: child.pid }, main: child, ready, stop: () => child.stop() };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** The raw `ws` echo server (B1(a), B2's baseline). */
export function startRawEcho(nodeArgs: readonly string[] = []): Promise<RunningServers> {
  return single('raw-ws', server('raw-ws', 'raw-ws-echo-server.ts', {}, nodeArgs));
}

/** The raw `ws` broadcast loop (B3's baseline). */
export function startRawBroadcast(): Promise<RunningServers> {
  return single('raw-ws', server('raw-ws', 'raw-ws-broadcast-server.ts', {}));
}

/** A gateway with the bench handlers in one process. */
export function startGateway(options: { heartbeatSec?: number; nodeArgs?: readonly string[]; idlModule?: string } = {}): Promise<RunningServers> {
  const env: Record<string, string> = options.idlModule ? { BENCH_IDL_MODULE: options.idlModule } : {};
  return single('gateway', server('gateway', 'gateway-server.ts', { heartbeatSec: options.heartbeatSec }, options.nodeArgs, env));
}

/** Server-to-server transport of a bench cluster. */
export type ClusterTransport = 'tcp' | 'nats';

/**
 * A cluster of two `yard start` processes from a generated config: `gate1` (gateway, WebSocket
 * clients) and `back1` (the bench handlers and the IDL servant), static discovery, in-memory
 * registry, over TCP pools (the transport's default size) or NATS.
 */
export async function startCluster(transport: ClusterTransport, idlModule: string): Promise<RunningServers> {
  const dir = tempDir('switchyard-bench-cluster-');
  const children: BenchChild[] = [];
  let nats: NatsService | undefined;
  const stop = async (): Promise<void> => {
    await stopAll(children);
    await nats?.stop();
    removeTempDir(dir);
  };
  try {
    if (transport === 'nats') {
      nats = await startNats();
      pinPid(nats.pid!, SERVER_CORE);
    }
    const [gatePort, wsPort, backPort] = [await freePort(), await freePort(), await freePort()];
    const config = {
      app: runnablePath(path.join(benchDir, 'servers/bench-app.ts')),
      discovery: { kind: 'static' },
      transport: nats ? { kind: 'nats', servers: nats.url } : { kind: 'tcp' },
      registry: { kind: 'memory' },
      servers: [
        { id: 'gate1', type: 'gateway', port: gatePort, ws: wsPort },
        { id: 'back1', type: 'backend', port: backPort, services: ['echo', 'bcast', 'bench'] },
      ],
    };
    const file = path.join(dir, 'cluster.json');
    writeFileSync(file, JSON.stringify(config, null, 2));
    const start = (id: string): BenchChild => {
      const child = BenchChild.script(path.join(repoRoot, 'src/cli/main.ts'), ['start', '--config', file, '--server', id], {
        name: id,
        core: SERVER_CORE,
        nodeArgs: serverNodeArgs,
        env: { SWITCHYARD_LOG_LEVEL: 'info', BENCH_IDL_MODULE: idlModule },
      });
      children.push(child);
      return child;
    };
    const started = (c: BenchChild) => c.waitFor((m) => m.msg === 'server started', READY_MS, '"server started" log line');
    const backend = start('back1');
    await started(backend);
    const gateway = start('gate1');
    const ready = await started(gateway);
    const pids: Record<string, number> = { gateway: gateway.pid, backend: backend.pid };
    if (nats?.pid) pids['nats-server'] = nats.pid;
    return { url: `ws://127.0.0.1:${wsPort}/`, pids, main: gateway, ready, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** B5's Switchyard RPC server over TCP or NATS (NATS started and pinned here). */
export async function startRpcServer(transport: ClusterTransport, idlModule: string): Promise<RunningServers & { natsUrl?: string }> {
  let nats: NatsService | undefined;
  try {
    if (transport === 'nats') {
      nats = await startNats();
      pinPid(nats.pid!, SERVER_CORE);
    }
    const child = server('rpc-server', 'rpc-server.ts', { transport, idlModule, natsUrl: nats?.url });
    const running = await single('rpc-server', child);
    const pids = nats?.pid ? { ...running.pids, 'nats-server': nats.pid } : running.pids;
    return {
      ...running,
      pids,
      natsUrl: nats?.url,
      stop: async () => {
        await running.stop();
        await nats?.stop();
      },
    };
  } catch (err) {
    await nats?.stop();
    throw err;
  }
}

/** B5's `@grpc/grpc-js` server for the exported `.proto`. */
export function startGrpcServer(proto: string): Promise<RunningServers> {
  return single('grpc-server', server('grpc-server', 'grpc-server.ts', { proto }));
}
