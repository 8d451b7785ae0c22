/**
 * A real nats-server for the NATS transport scenarios, on a free loopback port, that a test can
 * kill and start again on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const BINARY = process.env.NATS_SERVER_BIN ?? 'nats-server';

/** One nats-server process (or none, between `kill` and `start`). */
export interface NatsServer {
  readonly port: number;
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** Kills it with SIGKILL and waits for the process to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function spawnServer(port: number): Promise<ChildProcess> {
  const child = spawn(BINARY, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  const until = performance.now() + 10_000;
  while (!(await accepts(port))) {
    if (exited) throw new Error(`${BINARY} on port ${port} exited before accepting connections`);
    if (performance.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`${BINARY} on port ${port} did not accept connections within 10 s`);
    }
    await sleep(20);
  }
  return child;
}

/** Starts nats-server on a free loopback port (or `port`). */
export async function startNatsServer(port?: number): Promise<NatsServer> {
  const bound = port ?? (await freePort());
  let child: ChildProcess | undefined = await spawnServer(bound);
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
  };
  return {
    port: bound,
    url: `nats://127.0.0.1:${bound}`,
    kill,
    async start() {
      if (child === undefined) child = await spawnServer(bound);
    },
    [Symbol.asyncDispose]: kill,
  };
}
