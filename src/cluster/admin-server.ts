/**
 * The operations HTTP server of one process: Prometheus metrics, health, and profiling (the seed's
 * pprof endpoints). It listens on loopback by default because a heap snapshot holds every secret in
 * memory; expose it further only behind something that authenticates.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { ConfigError } from '../wire/errors.js';
import { captureCpuProfile, heapSnapshotStream } from './profiling.js';

/** Options of {@link AdminServer}. */
export interface AdminServerOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** TCP port; 0 takes a free one (read it from `start()`'s result). Default 0. */
  readonly port?: number;
  /** Registry served on `/metrics` (a `Metrics` instance's `registry`). Default: an empty one. */
  readonly registry?: Registry;
  /** Longest CPU profile `/debug/profile` takes, in seconds. Default 60. */
  readonly maxProfileSeconds?: number;
  /** Length of a CPU profile when `seconds` is not given, in seconds. Default 10. */
  readonly defaultProfileSeconds?: number;
  /** Answers `/healthz`: true → 200, false → 503. Default: always healthy. */
  readonly health?: () => boolean | Promise<boolean>;
  /** Where start, failures and non-loopback binding are logged. Default: pino at SWITCHYARD_LOG_LEVEL. */
  readonly logger?: Logger;
}

/** Where the admin server listens. */
export interface AdminAddress {
  readonly host: string;
  readonly port: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Serves `GET /metrics`, `/healthz`, `/debug/heap` and `/debug/profile?seconds=N`. */
export class AdminServer {
  readonly #server: Server;
  readonly #host: string;
  readonly #port: number;
  readonly #registry: Registry;
  readonly #maxSeconds: number;
  readonly #defaultSeconds: number;
  readonly #health: () => boolean | Promise<boolean>;
  readonly #logger: Logger;
  readonly #closing = new AbortController();
  #profile: Promise<void> | undefined;
  #snapshotting = false;
  #address: AdminAddress | undefined;

  constructor(options: AdminServerOptions = {}) {
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 0;
    this.#maxSeconds = options.maxProfileSeconds ?? 60;
    this.#defaultSeconds = options.defaultProfileSeconds ?? Math.min(10, this.#maxSeconds);
    checkOptions(this.#host, this.#port, this.#maxSeconds, this.#defaultSeconds, options.health);
    this.#registry = options.registry ?? new Registry();
    this.#health = options.health ?? (() => true);
    this.#logger = options.logger ?? pino({ name: 'admin', level: process.env.SWITCHYARD_LOG_LEVEL ?? 'info' });
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Starts listening; resolves with the bound address. */
  async start(): Promise<AdminAddress> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      // Exclusive: each gateway worker answers for itself, not on a port shared through node:cluster.
      this.#server.listen({ port: this.#port, host: this.#host, exclusive: true }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const a = this.#server.address() as AddressInfo;
    this.#address = { host: a.address, port: a.port };
    if (!LOOPBACK.has(this.#host)) this.#logger.warn(this.#address, 'admin server listens beyond loopback: heap snapshots expose memory');
    this.#logger.info(this.#address, 'admin server listening');
    return this.#address;
  }

  /** The bound address, once started. */
  get address(): AdminAddress | undefined {
    return this.#address;
  }

  /** Base URL, e.g. `http://127.0.0.1:9464`, once started. */
  get url(): string | undefined {
    const a = this.#address;
    if (!a) return undefined;
    return a.host.includes(':') ? `http://[${a.host}]:${a.port}` : `http://${a.host}:${a.port}`;
  }

  /** Ends a running profile early (its request gets 503), closes every connection, stops listening. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#profile?.catch(() => undefined);
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method !== 'GET') return reply(res, 405, 'only GET is served\n', { allow: 'GET' });
      const url = new URL(req.url ?? '/', 'http://admin.invalid');
      switch (url.pathname) {
        case '/metrics':
          return reply(res, 200, await this.#registry.metrics(), { 'content-type': this.#registry.contentType });
        case '/healthz':
          return (await this.#health()) ? reply(res, 200, 'ok\n') : reply(res, 503, 'unhealthy\n');
        case '/debug/heap':
          return await this.#heap(res);
        case '/debug/profile':
          return await this.#cpuProfile(url.searchParams.get('seconds'), res);
        default:
          return reply(res, 404, 'not found: try /metrics, /healthz, /debug/heap, /debug/profile?seconds=N\n');
      }
    } catch (err) {
      this.#logger.error({ err, url: req.url }, 'admin request failed');
      if (!res.headersSent) reply(res, 500, `failed: ${(err as Error).message}\n`);
      else res.destroy();
    }
  }

  async #cpuProfile(secondsParam: string | null, res: ServerResponse): Promise<void> {
    const seconds = secondsParam === null ? this.#defaultSeconds : Number(secondsParam);
    if (secondsParam !== null && (!/^\d+$/.test(secondsParam) || seconds < 1 || seconds > this.#maxSeconds)) {
      return reply(res, 400, `seconds must be an integer in 1..${this.#maxSeconds}\n`);
    }
    if (this.#profile) return reply(res, 409, 'a CPU profile is already running; try again when it ends\n');
    const run = this.#runProfile(seconds, res);
    this.#profile = run.finally(() => (this.#profile = undefined));
    await this.#profile;
  }

  async #runProfile(seconds: number, res: ServerResponse): Promise<void> {
    // The profile stops early when the client goes away or the server closes.
    const stop = new AbortController();
    const onStop = (): void => stop.abort();
    res.once('close', onStop);
    this.#closing.signal.addEventListener('abort', onStop, { once: true });
    const profile = await captureCpuProfile(seconds * 1000, stop.signal).finally(() =>
      this.#closing.signal.removeEventListener('abort', onStop),
    );
    if (this.#closing.signal.aborted) return reply(res, 503, 'admin server closing\n');
    if (stop.signal.aborted) return; // the client went away
    const name = `cpu-${process.pid}-${Date.now()}.cpuprofile`;
    reply(res, 200, JSON.stringify(profile), { 'content-type': 'application/json', 'content-disposition': `attachment; filename="${name}"` });
  }

  async #heap(res: ServerResponse): Promise<void> {
    if (this.#snapshotting) return reply(res, 409, 'a heap snapshot is already being taken\n');
    this.#snapshotting = true;
    try {
      const snapshot = heapSnapshotStream();
      const name = `heap-${process.pid}-${Date.now()}.heapsnapshot`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-disposition': `attachment; filename="${name}"` });
      await pipeline(snapshot, res);
    } finally {
      this.#snapshotting = false;
    }
  }
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

function checkOptions(host: string, port: number, maxSeconds: number, defaultSeconds: number, health: unknown): void {
  if (typeof host !== 'string' || host === '') throw new ConfigError('admin host must be a non-empty string');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`admin port must be an integer in 0..65535, got ${String(port)}`);
  if (!Number.isInteger(maxSeconds) || maxSeconds < 1 || maxSeconds > 3600) {
    throw new ConfigError(`admin maxProfileSeconds must be an integer in 1..3600, got ${String(maxSeconds)}`);
  }
  if (!Number.isInteger(defaultSeconds) || defaultSeconds < 1 || defaultSeconds > maxSeconds) {
    throw new ConfigError(`admin defaultProfileSeconds must be an integer in 1..maxProfileSeconds, got ${String(defaultSeconds)}`);
  }
  if (health !== undefined && typeof health !== 'function') throw new ConfigError('admin health must be a function');
}
