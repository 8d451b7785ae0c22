/**
 * The soak run's cluster: etcd, NATS and Redis as child processes (test/support/services.ts), then
 * two gateways and two `soak` backends, each a `yard start` process with an admin port. Server
 * output is parsed line by line and only counted and sampled, never kept whole, so a long run
 * cannot grow the generator's memory with logs. Every child is killed when this process exits,
 * however it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startEtcd, startNats, startRedis, type EtcdService, type NatsService, type RedisService } from '../../test/support/services.js';

const HOST = '127.0.0.1';
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const APP = fileURLToPath(new URL('../soak-app.ts', import.meta.url));
const GC_HOOK = fileURLToPath(new URL('./gc-on-signal.ts', import.meta.url));
/** How long a server may take to log "server started", in ms (tsx compiles on first start). */
const START_TIMEOUT_MS = 60_000;
/** How long a server may take to stop after SIGTERM before it is SIGKILLed, in ms. */
const STOP_TIMEOUT_MS = 15_000;
/** Log lines at warn level or above kept per server for the report. */
const PROBLEM_SAMPLES = 20;
/** Longest sampled log line, in characters. */
const SAMPLE_CHARS = 600;
/** pino's numeric level of `warn`. */
const WARN_LEVEL = 40;
/** pino's numeric level of `error`. */
const ERROR_LEVEL = 50;

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** Kills every server still running and removes the config folder; safe to call more than once. */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
process.on('exit', killAll);

/** etcd, NATS and Redis of one run. */
export interface Infrastructure {
  readonly etcd: EtcdService;
  readonly nats: NatsService;
  readonly redis: RedisService;
}

/** Starts etcd, NATS and Redis on free loopback ports. */
export async function startInfrastructure(): Promise<Infrastructure> {
  const [etcd, nats, redis] = await Promise.all([startEtcd(), startNats(), startRedis()]);
  return { etcd, nats, redis };
}

/** Stops etcd, NATS and Redis (SIGTERM, then SIGKILL if they linger). */
export async function stopInfrastructure(infra: Infrastructure): Promise<void> {
  await Promise.all([infra.etcd.stop(), infra.nats.stop(), infra.redis.stop()]);
}

/** One server of the config: its id, role and ports, chosen before it starts. */
export interface ServerPlan {
  readonly id: string;
  readonly role: 'gateway' | 'backend';
  /** Admin port; worker n of a multi-worker gateway takes `admin + n`. */
  readonly admin: number;
  readonly ws?: number;
  readonly tcp?: number;
  /** Worker processes (node:cluster) sharing the client ports; 1 = one process. */
  readonly workers: number;
  /** Which client ports speak TLS. */
  readonly wsTls: boolean;
  readonly tcpTls: boolean;
}

/** What the cluster offers beyond the steady run (see settings.ts). */
export interface ClusterShape {
  /** Certificate and key for the TLS ports; undefined = no TLS. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Gateways offer resumable sessions. */
  readonly resume: boolean;
  /** Worker processes of gate1. */
  readonly gatewayWorkers: number;
  /** Between servers: NATS or TCP connection pools. */
  readonly transport: 'nats' | 'tcp';
  /** Connections per peer of the TCP pools; undefined = the transport's default. */
  readonly poolSize: number | undefined;
}

/** Grace period of resumable sessions, in ms (the gateway default). */
const RESUME_GRACE_MS = 30_000;

/** What the cluster config file says and where it is. */
export interface ClusterPlan {
  readonly configFile: string;
  readonly servers: readonly ServerPlan[];
  /** Route codes announced to clients, so part of the traffic uses 2-byte route codes. */
  readonly dictionary: Readonly<Record<string, number>>;
}

/** `count` consecutive free loopback ports (worker n of a gateway takes admin port + n). */
async function freePorts(count: number): Promise<number> {
  for (;;) {
    const first = await freePort();
    let ok = true;
    for (let n = 1; n < count && ok; n++) ok = await portFree(first + n);
    if (ok) return first;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/**
 * Picks ports for 2 gateways and 2 backends and writes the cluster config to a temporary folder.
 * With TLS, gate1's TCP port and gate2's WebSocket port speak it (`tls://`, `wss://`), so both
 * transports run with and without TLS; workers, if any, are gate1's.
 */
export async function planCluster(infra: Infrastructure, shape: ClusterShape): Promise<ClusterPlan> {
  const tls = shape.tls !== undefined;
  const gate = async (id: string, workers: number, wsTls: boolean, tcpTls: boolean): Promise<ServerPlan> =>
    ({ id, role: 'gateway', admin: await freePorts(workers), ws: await freePort(), tcp: await freePort(), workers, wsTls, tcpTls });
  const backend = async (id: string): Promise<ServerPlan> => ({ id, role: 'backend', admin: await freePort(), workers: 1, wsTls: false, tcpTls: false });
  const servers: ServerPlan[] = [
    await gate('gate1', shape.gatewayWorkers, false, tls),
    await gate('gate2', 1, tls, false),
    await backend('soak1'),
    await backend('soak2'),
  ];
  const dictionary = { 'room.say': 100, 'soak.echo': 101 };
  const config = {
    app: APP,
    discovery: { kind: 'etcd', endpoints: [infra.etcd.endpoint], ttlSec: 10 },
    transport: shape.transport === 'nats' ? { kind: 'nats', servers: infra.nats.url } : { kind: 'tcp', ...(shape.poolSize === undefined ? {} : { poolSize: shape.poolSize }) },
    registry: { kind: 'redis', url: infra.redis.url },
    dictionary,
    servers: servers.map((p) => configEntry(p, shape)),
  };
  const dir = mkdtempSync(join(tmpdir(), 'yard-soak-'));
  tempDirs.add(dir);
  const configFile = join(dir, 'cluster.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  return { configFile, servers, dictionary };
}

/** The config file entry of a planned server. */
function configEntry(s: ServerPlan, shape: ClusterShape): Record<string, unknown> {
  if (s.role === 'backend') return { id: s.id, type: 'soak', host: HOST, services: ['soak', 'room'], admin: s.admin };
  const gateway: Record<string, unknown> = {};
  if (shape.resume) gateway.resume = { graceMs: RESUME_GRACE_MS };
  if (s.wsTls) gateway.wsTls = shape.tls;
  if (s.tcpTls) gateway.tcpTls = shape.tls;
  return { id: s.id, type: 'gateway', host: HOST, ws: s.ws, tcp: s.tcp, admin: s.admin, workers: s.workers, gateway };
}

/** The process ids (`gate1_0`, `gate1_1` for workers) and admin URLs of a planned server. */
export function instancesOf(plan: ServerPlan): { id: string; adminUrl: string }[] {
  if (plan.workers === 1) return [{ id: plan.id, adminUrl: `http://${HOST}:${plan.admin}` }];
  return Array.from({ length: plan.workers }, (_, n) => ({ id: `${plan.id}_${n}`, adminUrl: `http://${HOST}:${plan.admin + n}` }));
}

/** What a server printed, reduced to counts and a few samples. */
export interface LogTally {
  warnings: number;
  errors: number;
  /** The first warn-or-worse lines, truncated. */
  readonly samples: string[];
}

/**
 * Runs a full garbage collection in a server (see gc-on-signal.ts), and in its workers if it has
 * any (the children of its process, from /proc); false if it is not running.
 */
export function collectGarbage(proc: ServerProc): boolean {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return false;
  if (proc.plan.workers > 1) for (const pid of childPids(proc.child.pid)) signalQuietly(pid, 'SIGUSR2');
  return proc.child.kill('SIGUSR2');
}

/** Process ids of the children of `pid` (Linux /proc; empty elsewhere). */
function childPids(pid: number | undefined): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/** A running server process (the primary, for a gateway with workers). */
export interface ServerProc {
  readonly plan: ServerPlan;
  readonly child: ChildProcess;
  readonly log: LogTally;
  readonly exited: Promise<number | null>;
  /** Set by a fault before it kills the process, so its exit is not reported as a death. */
  killedOnPurpose: boolean;
}

/** Starts every planned server (backends first, so gateways find them at once) and waits for each. */
export async function startCluster(plan: ClusterPlan): Promise<ServerProc[]> {
  const backends = plan.servers.filter((s) => s.role === 'backend');
  const gateways = plan.servers.filter((s) => s.role === 'gateway');
  const started = await Promise.all(backends.map((s) => startServer(plan.configFile, s)));
  started.push(...(await Promise.all(gateways.map((s) => startServer(plan.configFile, s)))));
  return started;
}

/**
 * Spawns `yard start` for one server and resolves once it (every worker, for a gateway with
 * workers) logs "server started". A restart passes the tally of the process it replaces.
 */
export function startServer(configFile: string, plan: ServerPlan, log: LogTally = { warnings: 0, errors: 0, samples: [] }): Promise<ServerProc> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', GC_HOOK, MAIN, 'start', '--config', configFile, '--server', plan.id], {
    env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => (live.delete(child), resolve(code))));
  const proc: ServerProc = { plan, child, log, exited, killedOnPurpose: false };
  let waiting = plan.workers;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not log "server started" within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`server ${plan.id} ${why}; last problems:\n${log.samples.join('\n')}`));
    };
    const early = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited (${code ?? signal}) before starting`);
    readLines(child, (line) => {
      if (tallyLine(line, log) !== 'started' || --waiting > 0) return;
      clearTimeout(timer);
      child.off('exit', early);
      resolve(proc);
    });
    child.once('exit', early);
  });
}

/** Calls `onLine` for each complete line the child prints on stdout or stderr. */
function readLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      // A line with no newline for this long is not a log record; keep memory bounded.
      if (partial.length > 1 << 20) partial = '';
      for (const line of lines) if (line.trim() !== '') onLine(line);
    });
  }
}

/** Counts one output line; says whether it is the "server started" record. */
function tallyLine(line: string, log: LogTally): 'started' | 'other' {
  let record: { level?: unknown; msg?: unknown } | undefined;
  try {
    record = JSON.parse(line) as { level?: unknown; msg?: unknown };
  } catch {
    record = undefined; // not pino: a stack trace or a Node warning, counted as an error below
  }
  const level = typeof record?.level === 'number' ? record.level : ERROR_LEVEL;
  if (level >= ERROR_LEVEL) log.errors++;
  else if (level >= WARN_LEVEL) log.warnings++;
  if (level >= WARN_LEVEL && log.samples.length < PROBLEM_SAMPLES) log.samples.push(`${new Date().toISOString()} ${line.slice(0, SAMPLE_CHARS)}`);
  return record?.msg === 'server started' ? 'started' : 'other';
}

/** Stops servers with SIGTERM (gateways first, so clients leave before backends); SIGKILL after a deadline. */
export async function stopCluster(procs: readonly ServerProc[]): Promise<Record<string, number | string | null>> {
  const codes: Record<string, number | string | null> = {};
  for (const role of ['gateway', 'backend'] as const) {
    const group = procs.filter((p) => p.plan.role === role);
    await Promise.all(group.map(async (p) => (codes[p.plan.id] = await stopServer(p))));
  }
  return codes;
}

/** Stops one server; resolves with its exit code, or `killed` when it had to be SIGKILLed. */
async function stopServer(proc: ServerProc): Promise<number | string | null> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.child.exitCode ?? proc.child.signalCode;
  proc.child.kill('SIGTERM');
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    proc.child.kill('SIGKILL');
  }, STOP_TIMEOUT_MS);
  const code = await proc.exited;
  clearTimeout(timer);
  return killed ? 'killed' : code;
}
