import type { Logger } from 'pino';
import { ConfigError, DEFAULT_MAX_PACKET_SIZE, PACKET_MAX_BODY, RouteDictionary } from '../wire/index.js';
import type { Authenticator } from './auth.js';

/** Certificate and key files of a TLS acceptor; they are watched and reloaded when they change. */
export interface TlsFileOptions {
  /** PEM certificate chain file, the server's certificate first. Required. */
  certFile: string;
  /** PEM private key file (unencrypted). Required. */
  keyFile: string;
  /** Period in ms of a re-read that catches changes fs.watch misses (network mounts). Default 10000; 0 = fs.watch only. */
  reloadCheckMs?: number;
}

/** Decides whether a browser page from `origin` may open a WebSocket; `undefined` = no Origin header. */
export type OriginCheck = (origin: string | undefined) => boolean;

/** Where the WebSocket acceptor listens; it shares its HTTP server with static files. */
export interface WsAcceptorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Static directories served over HTTP, tried in order (e.g. the demo's web page). */
  staticDirs?: string[];
  /** Serve `wss://` (and HTTPS) with these files. Default: plain `ws://`. */
  tls?: TlsFileOptions;
  /**
   * Origins (`https://example.com`, compared case-insensitively) whose pages may connect, or a
   * function deciding; others get HTTP 403. Requests without an Origin header (non-browser clients)
   * pass a list. Default: every origin.
   */
  allowedOrigins?: readonly string[] | OriginCheck;
}

/** Where the raw TCP acceptor listens. */
export interface TcpAcceptorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Speak TLS (`tls://` in the client SDK) with these files. Default: plain TCP. */
  tls?: TlsFileOptions;
}

/** A per-connection token bucket over data packets (requests and notifies). */
export interface RateLimitOptions {
  /** Sustained data packets per second one connection may send. Required; fractions allowed. */
  messagesPerSec: number;
  /** Packets a connection may send at once above the sustained rate (the bucket size). Default 2 × messagesPerSec, at least 1. */
  burst?: number;
  /**
   * Over the limit, `drop` discards the message (a request is answered `unavailable`); `kick` closes
   * the connection with reason `rate limited`. Default `drop`.
   */
  policy?: 'drop' | 'kick';
}

/** {@link RateLimitOptions} after defaults. */
export type ResolvedRateLimit = Required<RateLimitOptions>;

/**
 * Resumable sessions: a client that asks for it (`sys.resume` in its handshake) gets a token; if
 * its connection drops, the session waits `graceMs` for it to come back with the token, and the
 * pushes sent meanwhile are replayed. See docs/gateway.md, "Resumable sessions".
 */
export interface ResumeOptions {
  /** How long a dropped session waits for its client, in ms. Default 30000. */
  graceMs?: number;
  /** Pushes kept per session for replay; a client that missed more must resync. Default 256. */
  replayLimit?: number;
  /** Bytes of pushes kept per session for replay (older ones go first). Default 1 MiB. */
  replayBytes?: number;
  /** Sessions waiting for their client at once; past it the longest-waiting one closes (`resume evicted`). Default maxConnections. */
  maxParked?: number;
  /**
   * With a shared resume store: how long a stopping gateway keeps the sessions it handed over
   * (collecting their pushes into the store) while their clients move to another gateway, in ms.
   * Default 5000; keep it below the application's shutdownTimeoutMs.
   */
  handoverMs?: number;
}

/** {@link ResumeOptions} after defaults. */
export type ResolvedResume = Required<ResumeOptions>;

/** Everything a gateway can be told; each field has a default except where noted. */
export interface GatewayOptions {
  /** This server's id; session ids are `<serverId>-<process tag>-<counter>`, unique across the cluster and its restarts. Required. */
  serverId: string;
  /** WebSocket acceptor; omitted = none. */
  ws?: WsAcceptorOptions;
  /** TCP acceptor; omitted = none. */
  tcp?: TcpAcceptorOptions;
  /** Heartbeat interval in seconds, announced in the handshake. Default 20. 0 disables heartbeats. */
  heartbeatSec?: number;
  /** A connection must finish handshake + ack within this many ms. Default 5000. */
  handshakeTimeoutMs?: number;
  /** Largest packet body a client may send, in bytes. Default 65536. */
  maxPacketSize?: number;
  /** Most client connections held at once; more are refused. Default 100000. */
  maxConnections?: number;
  /** Most connections held at once from one remote address (IPv4-mapped IPv6 counts as IPv4). Default: maxConnections. */
  maxConnectionsPerAddress?: number;
  /** Refuses a remote address when it returns false (it may be called twice per TLS connection). Default: all allowed. */
  allowAddress?: (address: string) => boolean;
  /** Per-connection limit on data packets; see {@link RateLimitOptions}. Default: none. */
  rateLimit?: RateLimitOptions;
  /** Resumable sessions for clients that ask; see {@link ResumeOptions}. Default: off. */
  resume?: ResumeOptions;
  /** Bytes queued for one client before it is disconnected as too slow. Default 1 MiB. */
  sendQueueLimit?: number;
  /** Route codes sent in the handshake. Default: empty. */
  dictionary?: RouteDictionary;
  /** Checks the handshake's `user` data; see {@link Authenticator}. Default: none. */
  authenticate?: Authenticator;
  /** Sessions must bind a user id within this many ms after the handshake, if auth is required. Default 10000. */
  authTimeoutMs?: number;
  /** When true, only public routes are callable until a user id is bound. Default: true if `authenticate` is set. */
  requireAuth?: boolean;
  /** Structured logger. Default: pino at SWITCHYARD_LOG_LEVEL (info). */
  logger?: Logger;
  /** Told of connections, messages and drops as they happen (metrics). Default: none. */
  observer?: GatewayObserver;
}

/**
 * What a gateway reports as it works; the cluster's Metrics class has this shape. Called on hot
 * paths, so implementations must be cheap.
 */
export interface GatewayObserver {
  connectionOpened(): void;
  connectionClosed(): void;
  /** A request or notify arrived on `route`. */
  messageIn(route: string): void;
  /** A push on `route` was queued to `count` clients. */
  messageOut(route: string, count?: number): void;
  /** A connection was dropped or refused, by code (ProtocolError or GatewayErrorCodes). */
  error(code: string): void;
  /** A client was dropped because its send queue overflowed. */
  sendQueueDrop(): void;
}

/** Options after defaults and validation. */
type OptionalKeys = 'ws' | 'tcp' | 'authenticate' | 'observer' | 'allowAddress';
export type ResolvedGatewayOptions = Required<Omit<GatewayOptions, OptionalKeys | 'logger' | 'rateLimit' | 'resume'>> &
  Pick<GatewayOptions, OptionalKeys> & { rateLimit: ResolvedRateLimit | undefined; resume: ResolvedResume | undefined };

function checkInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`gateway option ${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

function checkPort(name: string, o: { port: number; tls?: TlsFileOptions } | undefined): void {
  if (!o) return;
  checkInt(`${name}.port`, o.port, 0, 65535);
  if (o.tls === undefined) return;
  for (const key of ['certFile', 'keyFile'] as const) {
    if (typeof o.tls[key] !== 'string' || o.tls[key] === '') throw new ConfigError(`gateway option ${name}.tls.${key} must be a file path`);
  }
  checkInt(`${name}.tls.reloadCheckMs`, o.tls.reloadCheckMs ?? 0, 0);
}

function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new ConfigError(`gateway option ${name} must be a function`);
}

function checkOrigins(value: WsAcceptorOptions['allowedOrigins']): void {
  if (value === undefined || typeof value === 'function') return;
  if (!Array.isArray(value) || !value.every((o) => typeof o === 'string')) {
    throw new ConfigError('gateway option ws.allowedOrigins must be an array of origins or a function');
  }
}

function resolveRateLimit(r: RateLimitOptions | undefined): ResolvedRateLimit | undefined {
  if (r === undefined) return undefined;
  const rate = r.messagesPerSec;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
    throw new ConfigError(`gateway option rateLimit.messagesPerSec must be a positive number, got ${String(rate)}`);
  }
  const policy = r.policy ?? 'drop';
  if (policy !== 'drop' && policy !== 'kick') throw new ConfigError(`gateway option rateLimit.policy must be 'drop' or 'kick', got ${String(policy)}`);
  const burst = checkInt('rateLimit.burst', r.burst ?? Math.max(1, Math.ceil(2 * rate)), 1);
  return { messagesPerSec: rate, burst, policy };
}

function resolveResume(r: ResumeOptions | undefined, maxConnections: number): ResolvedResume | undefined {
  if (r === undefined) return undefined;
  if (typeof r !== 'object' || r === null) throw new ConfigError('gateway option resume must be an object');
  return {
    graceMs: checkInt('resume.graceMs', r.graceMs ?? 30_000, 1, 24 * 3600_000),
    replayLimit: checkInt('resume.replayLimit', r.replayLimit ?? 256, 1, 1_000_000),
    replayBytes: checkInt('resume.replayBytes', r.replayBytes ?? 1024 * 1024, 1),
    maxParked: checkInt('resume.maxParked', r.maxParked ?? maxConnections, 1),
    handoverMs: checkInt('resume.handoverMs', r.handoverMs ?? 5000, 0, 3600_000),
  };
}

/** Fills defaults and rejects impossible values with a ConfigError naming the option. */
export function resolveGatewayOptions(o: GatewayOptions): ResolvedGatewayOptions {
  if (typeof o.serverId !== 'string' || o.serverId === '' || o.serverId.includes('-')) {
    throw new ConfigError(`gateway option serverId must be a non-empty string without '-', got ${JSON.stringify(o.serverId)}`);
  }
  checkPort('ws', o.ws);
  checkPort('tcp', o.tcp);
  checkFunction('authenticate', o.authenticate);
  checkFunction('allowAddress', o.allowAddress);
  checkOrigins(o.ws?.allowedOrigins);
  const maxConnections = checkInt('maxConnections', o.maxConnections ?? 100_000, 1);
  return {
    serverId: o.serverId,
    ws: o.ws,
    tcp: o.tcp,
    heartbeatSec: checkInt('heartbeatSec', o.heartbeatSec ?? 20, 0, 3600),
    handshakeTimeoutMs: checkInt('handshakeTimeoutMs', o.handshakeTimeoutMs ?? 5000, 1),
    maxPacketSize: checkInt('maxPacketSize', o.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE, 16, PACKET_MAX_BODY),
    maxConnections,
    maxConnectionsPerAddress: checkInt('maxConnectionsPerAddress', o.maxConnectionsPerAddress ?? maxConnections, 1),
    allowAddress: o.allowAddress,
    rateLimit: resolveRateLimit(o.rateLimit),
    resume: resolveResume(o.resume, maxConnections),
    sendQueueLimit: checkInt('sendQueueLimit', o.sendQueueLimit ?? 1024 * 1024, 1024),
    dictionary: o.dictionary ?? new RouteDictionary(),
    authenticate: o.authenticate,
    authTimeoutMs: checkInt('authTimeoutMs', o.authTimeoutMs ?? 10_000, 1),
    requireAuth: o.requireAuth ?? o.authenticate !== undefined,
    observer: o.observer,
  };
}
