import { Adapter, type AdapterOptions } from './adapter.js';
import { RpcError } from './errors.js';
import type { FrameConnection, FrameListener, Transport } from './frame.js';
import type { RpcLogger } from './logger.js';
import { RpcConnection, type RpcConnectionOptions, type Routing } from './rpc-connection.js';

/** Options of {@link createCommunicator}; the connection options are defaults for every connection it makes. */
export interface CommunicatorOptions {
  /**
   * Transports by URL scheme. The rpc layer ships none: pass `defaultTransports()` from the
   * transport layer for `tcp://`, `ws://` and `inproc://`, or your own.
   */
  transports?: readonly Transport[];
  /** Deadline of two-way calls that set no `timeoutMs`, in milliseconds. Default 10000. */
  defaultTimeoutMs?: number;
  /** How long `connect` may take before failing with `unavailable`, in milliseconds. Default 10000. */
  connectTimeoutMs?: number;
  /** What names an operation on the wire (see {@link RpcConnectionOptions.routing}). Default `route`. */
  routing?: Routing;
  /** Remember each call's stack for late failures. Default true. */
  captureCallSites?: boolean;
  /** Smallest gap between two deadline sweeps, in milliseconds. Default 10. */
  sweepResolutionMs?: number;
  /** Where one-way failures and protocol violations are reported. Default: the console. */
  logger?: RpcLogger;
}

/** Per-connection options of `connect` and `attach`; the others override the communicator's defaults. */
export interface ConnectionOptions
  extends Pick<RpcConnectionOptions, 'defaultTimeoutMs' | 'routing' | 'captureCallSites' | 'onSendError'> {
  /** Serves incoming calls on this connection too (bidirectional calls). */
  adapter?: Adapter;
  /** Gives up connecting when it fires. */
  signal?: AbortSignal;
}

/** An endpoint accepting connections, each served by one adapter. */
export interface RpcListener {
  /** The endpoint bound, with the real port when 0 was asked for: `tcp://127.0.0.1:40123`. */
  readonly endpoint: string;
  /** Connections accepted and still open; each is also an Invoker back to its peer. */
  readonly connections: ReadonlySet<RpcConnection>;
  /** Stops accepting and closes the accepted connections. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The container of an RPC runtime (the seed's Communicator, minus the singleton): it makes adapters,
 * listens and connects through its transports, and closes everything it made.
 */
export class Communicator {
  readonly defaultTimeoutMs: number;
  readonly #transports = new Map<string, Transport>();
  readonly #connectionOptions: RpcConnectionOptions;
  readonly #connectTimeoutMs: number;
  readonly #connections = new Set<RpcConnection>();
  readonly #listeners = new Set<RpcListener>();
  #closed = false;

  constructor(options: CommunicatorOptions = {}) {
    for (const transport of options.transports ?? []) {
      for (const scheme of transport.schemes) this.#transports.set(scheme, transport);
    }
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 10_000;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#connectionOptions = {
      defaultTimeoutMs: this.defaultTimeoutMs,
      routing: options.routing,
      captureCallSites: options.captureCallSites,
      sweepResolutionMs: options.sweepResolutionMs,
      logger: options.logger,
    };
  }

  /** Makes an adapter to add servants to; it serves once given to `listen`, `connect` or `attach`. */
  createAdapter(options: AdapterOptions | string = {}): Adapter {
    return new Adapter(typeof options === 'string' ? { name: options } : options);
  }

  /** Connections open now (made by `connect`, `attach`, or accepted by a listener). */
  get connections(): ReadonlySet<RpcConnection> {
    return this.#connections;
  }

  /** Connects to `endpoint` (`tcp://host:port`, `ws://host:port/path`, `inproc://name`). */
  async connect(endpoint: string, options: ConnectionOptions = {}): Promise<RpcConnection> {
    this.#checkOpen();
    const url = parseEndpoint(endpoint);
    const timeout = AbortSignal.timeout(this.#connectTimeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const frames = await this.#transport(url).connect(url, { signal });
    if (this.#closed) {
      await frames.close();
      this.#checkOpen();
    }
    return this.attach(frames, options);
  }

  /** Runs RPC over a frame connection made elsewhere (a gateway's own link), serving `adapter` on it. */
  attach(frames: FrameConnection, options: Omit<ConnectionOptions, 'signal'> = {}): RpcConnection {
    this.#checkOpen();
    const { signal: _signal, ...overrides } = options as ConnectionOptions;
    const connection = new RpcConnection(frames, { ...this.#connectionOptions, ...definedOnly(overrides) });
    this.#connections.add(connection);
    connection.onClose(() => this.#connections.delete(connection));
    return connection;
  }

  /** Accepts connections on `endpoint`, serving `adapter` on each. */
  async listen(endpoint: string, adapter: Adapter): Promise<RpcListener> {
    this.#checkOpen();
    const url = parseEndpoint(endpoint);
    const accepted = new Set<RpcConnection>();
    const frames = await this.#transport(url).listen(url, (connection) => {
      if (this.#closed) return void connection.close();
      const rpc = this.attach(connection, { adapter });
      accepted.add(rpc);
      rpc.onClose(() => accepted.delete(rpc));
    });
    const listener = makeListener(frames, accepted, () => this.#listeners.delete(listener));
    this.#listeners.add(listener);
    return listener;
  }

  /** Closes every listener and connection it made; calls still waiting fail with `cancelled`. */
  async close(): Promise<void> {
    this.#closed = true;
    // Connections first, synchronously: their waiting calls fail as cancelled (this side gave up)
    // before any peer close could fail them as unavailable.
    const connections = [...this.#connections].map((c) => c.close());
    await Promise.all([...connections, ...[...this.#listeners].map((l) => l.close())]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #transport(url: URL): Transport {
    const scheme = url.protocol.slice(0, -1);
    const transport = this.#transports.get(scheme);
    if (transport === undefined) {
      const known = [...this.#transports.keys()].join(', ') || 'none';
      throw new RpcError('unavailable', `no transport for ${scheme}:// (have: ${known}); pass transports: defaultTransports()`);
    }
    return transport;
  }

  #checkOpen(): void {
    if (this.#closed) throw new RpcError('unavailable', 'communicator is closed');
  }
}

/** A communicator with its own transports, adapters and connections; there is no global one. */
export function createCommunicator(options: CommunicatorOptions = {}): Communicator {
  return new Communicator(options);
}

/** Parses an endpoint URL; a malformed one throws TypeError. */
export function parseEndpoint(endpoint: string): URL {
  try {
    return new URL(endpoint);
  } catch (err) {
    throw new TypeError(`endpoint ${JSON.stringify(endpoint)} is not a URL like tcp://127.0.0.1:4000`, { cause: err });
  }
}

/** Drops undefined values so they do not override the communicator's defaults. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function makeListener(frames: FrameListener, accepted: Set<RpcConnection>, onClose: () => void): RpcListener {
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      onClose();
      await Promise.all([...[...accepted].map((c) => c.close()), frames.close()]);
    })());
  return { endpoint: frames.endpoint, connections: accepted, close, [Symbol.asyncDispose]: close };
}
