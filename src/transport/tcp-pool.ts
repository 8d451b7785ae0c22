import type { Adapter } from '../rpc/adapter.js';
import type { Invoker } from '../rpc/call.js';
import { DEFAULT_TIMEOUT_MS, RpcConnection } from '../rpc/rpc-connection.js';
import { RpcError } from '../rpc/errors.js';
import type { FrameConnection, FrameListener } from '../rpc/frame.js';
import { consoleLogger, type RpcLogger } from '../rpc/logger.js';
import { backoffPolicy, type BackoffOptions } from './backoff.js';
import { hostPort, portOf } from './endpoint.js';
import { PooledLink, type PooledLinkOptions } from './pooled-link.js';
import type { PeerAddress, ServerTransport } from './server-transport.js';
import { listenTcp, type TcpTransportOptions } from './tcp.js';

/** Connections to each destination server when `poolSize` is not given. */
export const DEFAULT_POOL_SIZE = 1;

/** Options of a {@link TcpPoolTransport}. */
export interface TcpPoolOptions {
  /**
   * Connections kept to each destination server (the seed's `poolNums`); a call's key picks one.
   * Default 1: a Node peer reads every connection on its one event loop, so each further connection
   * adds a read and a write per event-loop turn on both sides and no parallelism.
   */
  poolSize?: number;
  /** How long one connect attempt may take, in milliseconds. Default 5000. */
  connectTimeoutMs?: number;
  /** Deadline of two-way calls that set no `timeoutMs`, in milliseconds. Default 10000. */
  defaultTimeoutMs?: number;
  /** Delays between reconnect attempts of a link that failed. Default 100 ms doubling to 5000 ms. */
  backoff?: BackoffOptions;
  /** Largest frame accepted, in bytes; a peer announcing more is disconnected. Default 16 MiB. */
  maxFrameBytes?: number;
  /** Where link failures, one-way failures and protocol violations are reported. Default: the console. */
  logger?: RpcLogger;
}

/** The links to one peer, made lazily: a link opens its connection on its first call. */
class PeerPool {
  readonly host: string;
  readonly port: number;
  readonly #links: PooledLink[];

  constructor(target: PeerAddress, size: number, options: Omit<PooledLinkOptions, 'endpoint'>) {
    this.host = target.host;
    this.port = target.port;
    const endpoint = endpointOf(target);
    this.#links = Array.from({ length: size }, () => new PooledLink({ ...options, endpoint }));
  }

  /** Whether `target` is still where this pool connects. */
  reaches(target: PeerAddress): boolean {
    return this.host === target.host && this.port === target.port;
  }

  /** The link for `key` (hot path: a modulo, no allocation). */
  link(key: number): PooledLink {
    return this.#links[(key >>> 0) % this.#links.length]!;
  }

  get links(): readonly PooledLink[] {
    return this.#links;
  }
}

/**
 * Server-to-server calls over pools of TCP connections (DESIGN §5, the seed's QueuePoolTable): to
 * each destination server, `poolSize` connections; a call's key (the session's hash, see
 * `sessionKey`) picks one, so one session's calls share a connection and arrive in the order they
 * were made, while different sessions spread over the pool.
 */
export class TcpPoolTransport implements ServerTransport {
  readonly #poolSize: number;
  readonly #linkOptions: Omit<PooledLinkOptions, 'endpoint'>;
  readonly #tcp: TcpTransportOptions;
  readonly #logger: RpcLogger;
  readonly #defaultTimeoutMs: number;
  readonly #pools = new Map<string, PeerPool>();
  readonly #served = new Set<RpcConnection>();
  #listener: FrameListener | undefined;
  #closed = false;

  constructor(options: TcpPoolOptions = {}) {
    this.#poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
    if (!Number.isInteger(this.#poolSize) || this.#poolSize < 1) {
      throw new TypeError(`poolSize must be a positive integer, got ${options.poolSize}`);
    }
    this.#logger = options.logger ?? consoleLogger;
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#tcp = options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes };
    this.#linkOptions = {
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      defaultTimeoutMs: this.#defaultTimeoutMs,
      backoff: backoffPolicy(options.backoff),
      tcp: this.#tcp,
      logger: this.#logger,
    };
  }

  /** Listens on `self.host:self.port` (0 = a free port) and serves `adapter` on every accepted connection. */
  async listen(self: PeerAddress, adapter: Adapter): Promise<number> {
    this.#checkOpen();
    if (this.#listener !== undefined) throw new TypeError('TcpPoolTransport is already listening');
    const url = new URL(`tcp://${hostPort(self.host, self.port)}`);
    const listener = await listenTcp(url, this.#tcp, (frames) => this.#serve(frames, adapter));
    if (this.#closed) {
      await listener.close();
      this.#checkOpen();
    }
    this.#listener = listener;
    return portOf(new URL(listener.endpoint));
  }

  /** The pooled link to `target` that `key` picks; the same key always gets the same link (hot path). */
  invoker(target: PeerAddress, key: number): Invoker {
    let pool = this.#pools.get(target.id);
    if (pool === undefined || !pool.reaches(target)) pool = this.#newPool(target, pool);
    return pool.link(key);
  }

  whenSent(target: PeerAddress, key: number): Promise<void> | undefined {
    const pool = this.#pools.get(target.id);
    return pool?.reaches(target) ? pool.link(key).whenSent() : undefined;
  }

  /** Closes the pool to `targetId`; calls waiting on it fail `unavailable`. Later invokers start a new pool. */
  forget(targetId: string): void {
    const pool = this.#pools.get(targetId);
    if (pool === undefined) return;
    this.#pools.delete(targetId);
    this.#dropPool(pool, new RpcError('unavailable', `server ${targetId} left the cluster`));
  }

  /** Stops listening and closes every connection, served or pooled; calls still waiting fail `cancelled`. */
  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all([
      this.#listener?.close(),
      ...[...this.#served].map((rpc) => rpc.close()),
      ...pools.flatMap((pool) => pool.links.map((link) => link.close())),
    ]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #newPool(target: PeerAddress, previous: PeerPool | undefined): PeerPool {
    this.#checkOpen();
    if (previous !== undefined) {
      const moved = `server ${target.id} moved to ${hostPort(target.host, target.port)}`;
      this.#dropPool(previous, new RpcError('unavailable', moved));
    }
    const pool = new PeerPool(target, this.#poolSize, this.#linkOptions);
    this.#pools.set(target.id, pool);
    return pool;
  }

  #dropPool(pool: PeerPool, reason: RpcError): void {
    for (const link of pool.links) void link.drop(reason);
  }

  #serve(frames: FrameConnection, adapter: Adapter): void {
    if (this.#closed) return void frames.close();
    const rpc = new RpcConnection(frames, {
      adapter,
      defaultTimeoutMs: this.#defaultTimeoutMs,
      logger: this.#logger,
      captureCallSites: false,
    });
    this.#served.add(rpc);
    rpc.onClose(() => this.#served.delete(rpc));
  }

  #checkOpen(): void {
    if (this.#closed) throw new RpcError('unavailable', 'TcpPoolTransport is closed');
  }
}

function endpointOf(target: PeerAddress): URL {
  return new URL(`tcp://${hostPort(target.host, target.port)}`);
}
