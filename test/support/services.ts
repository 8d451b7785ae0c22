/**
 * Real etcd, NATS and Redis servers for tests, each a child process on free loopback ports with its
 * own temporary data directory. Fault-injection tests stop, SIGKILL and restart them on the same
 * port and data directory. Every process is killed, and every directory removed, when the test
 * process exits, so a failed test never leaves a server behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const HOST = '127.0.0.1';
/** How long a server may take to answer its readiness probe, in ms. */
const READY_TIMEOUT_MS = 20_000;
/** How long a graceful stop may take before the process is SIGKILLed, in ms. */
const STOP_TIMEOUT_MS = 5_000;
/** Attempts at a first start; a port taken between probing and binding makes a start fail. */
const START_ATTEMPTS = 3;

const live = new Set<ChildProcess>();
const dataDirs = new Set<string>();

/** Kills every server and removes every data directory; runs synchronously on exit. */
function cleanUp(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  dataDirs.clear();
}

/** Kills the servers on SIGINT/SIGTERM too, then lets the signal end the process as it would have. */
function onSignal(signal: NodeJS.Signals): void {
  cleanUp();
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', cleanUp);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Absolute path of `name`, searching PATH and the sbin folders Debian puts servers in. */
export function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  throw new Error(`${name} is not installed: run \`npm test\` (it installs it via scripts/ensure-system-deps.sh)`);
}

/** A loopback TCP port nobody listens on right now (the OS picks it; we release it at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Opens a TCP connection, optionally writes `send`, and resolves with whether the reply contains `expect`. */
function probeTcp(port: number, expect: string, send?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    let received = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => {
      if (send !== undefined) socket.write(send);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes(expect)) done(true);
    });
  });
}

interface ServiceSpec {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly ready: () => Promise<boolean>;
}

/** One server process; `restart()` brings it back with the same ports and data directory. */
class ServiceProcess {
  readonly #spec: ServiceSpec;
  #child: ChildProcess | undefined;
  #output = '';

  constructor(spec: ServiceSpec) {
    this.#spec = spec;
  }

  /** Process id of the running server, or undefined when it is down. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Spawns the server and waits until its readiness probe answers. */
  async start(): Promise<void> {
    if (this.#child) throw new Error(`${this.#spec.name} is already running`);
    this.#output = '';
    const child = spawn(this.#spec.binary, this.#spec.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    live.add(child);
    // Keep only the tail of the server's output, for the error message if it fails to start.
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => {
      live.delete(child);
      if (this.#child === child) this.#child = undefined;
    });
    await this.#waitReady(child);
  }

  /** Stops the server with SIGTERM (SIGKILL if it lingers); the data directory stays. */
  async stop(): Promise<void> {
    await this.#signal('SIGTERM');
  }

  /** SIGKILLs the server, as a crash would. */
  async kill(): Promise<void> {
    await this.#signal('SIGKILL');
  }

  /** Stops the server if it runs, then starts it again on the same port and data directory. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${this.#spec.name} exited while starting (${child.exitCode ?? child.signalCode}):\n${this.#output}`);
      }
      if (await this.#spec.ready()) return;
      await sleep(50);
    }
    await this.kill();
    throw new Error(`${this.#spec.name} was not ready within ${READY_TIMEOUT_MS} ms:\n${this.#output}`);
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** Starts a service, choosing fresh ports again if the first choice was taken meanwhile. */
async function startWithRetry<T extends ServiceProcess>(make: () => Promise<T>): Promise<T> {
  hookExit();
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const service = await make();
    try {
      await service.start();
      return service;
    } catch (err) {
      lastError = err;
      await service.kill();
    }
  }
  throw lastError;
}

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `switchyard-${name}-`));
  dataDirs.add(dir);
  return dir;
}

/** A single-member etcd v3 server; `endpoint` is its client URL. */
export class EtcdService extends ServiceProcess {
  /** Client URL, `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly port: number;
  readonly dataDir: string;

  constructor(binary: string, port: number, peerPort: number, dataDir: string) {
    const endpoint = `http://${HOST}:${port}`;
    const peer = `http://${HOST}:${peerPort}`;
    super({
      name: 'etcd',
      binary,
      args: [
        '--name', 'default',
        '--data-dir', dataDir,
        '--listen-client-urls', endpoint,
        '--advertise-client-urls', endpoint,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `default=${peer}`,
        '--initial-cluster-state', 'new',
        '--logger', 'zap',
        '--log-level', 'error',
      ],
      ready: () => etcdHealthy(endpoint),
    });
    this.endpoint = endpoint;
    this.port = port;
    this.dataDir = dataDir;
  }
}

async function etcdHealthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: unknown };
    return body.health === 'true';
  } catch {
    return false;
  }
}

/** A NATS server; `url` is `nats://127.0.0.1:<port>`. */
export class NatsService extends ServiceProcess {
  readonly url: string;
  readonly port: number;

  constructor(binary: string, port: number) {
    super({ name: 'nats-server', binary, args: ['-a', HOST, '-p', String(port)], ready: () => probeTcp(port, 'INFO ') });
    this.url = `nats://${HOST}:${port}`;
    this.port = port;
  }
}

/** A Redis server without persistence; `url` is `redis://127.0.0.1:<port>`. */
export class RedisService extends ServiceProcess {
  readonly url: string;
  readonly port: number;

  constructor(binary: string, port: number, dataDir: string) {
    super({
      name: 'redis-server',
      binary,
      args: ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dataDir],
      ready: () => probeTcp(port, '+PONG', 'PING\r\n'),
    });
    this.url = `redis://${HOST}:${port}`;
    this.port = port;
  }
}

/** Starts etcd on two free loopback ports (client, peer) with a fresh data directory. */
export function startEtcd(): Promise<EtcdService> {
  const binary = findBinary('etcd');
  return startWithRetry(async () => {
    const port = await freePort();
    let peerPort = await freePort();
    while (peerPort === port) peerPort = await freePort();
    return new EtcdService(binary, port, peerPort, tempDir('etcd'));
  });
}

/** Starts nats-server on a free loopback port. */
export function startNats(): Promise<NatsService> {
  const binary = findBinary('nats-server');
  return startWithRetry(async () => new NatsService(binary, await freePort()));
}

/** Starts redis-server on a free loopback port. */
export function startRedis(): Promise<RedisService> {
  const binary = findBinary('redis-server');
  return startWithRetry(async () => new RedisService(binary, await freePort(), tempDir('redis')));
}
