import type { Logger } from 'pino';
import { ConfigError, DEFAULT_MAX_PACKET_SIZE, PACKET_MAX_BODY, RouteDictionary } from '../wire/index.js';
import type { Authenticator } from './auth.js';

/** Where the WebSocket acceptor listens; it shares its HTTP server with static files. */
export interface WsAcceptorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Static directories served over HTTP, tried in order (e.g. the demo's web page). */
  staticDirs?: string[];
}

/** Where the raw TCP acceptor listens. */
export interface TcpAcceptorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
}

/** Everything a gateway can be told; each field has a default except where noted. */
export interface GatewayOptions {
  /** This server's id; session ids are `<serverId>-<counter>`, unique across the cluster. Required. */
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
export type ResolvedGatewayOptions = Required<Omit<GatewayOptions, 'ws' | 'tcp' | 'authenticate' | 'logger' | 'observer'>> &
  Pick<GatewayOptions, 'ws' | 'tcp' | 'authenticate' | 'observer'>;

function checkInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`gateway option ${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

function checkPort(name: string, o: { port: number } | undefined): void {
  if (o) checkInt(`${name}.port`, o.port, 0, 65535);
}

/** Fills defaults and rejects impossible values with a ConfigError naming the option. */
export function resolveGatewayOptions(o: GatewayOptions): ResolvedGatewayOptions {
  if (typeof o.serverId !== 'string' || o.serverId === '' || o.serverId.includes('-')) {
    throw new ConfigError(`gateway option serverId must be a non-empty string without '-', got ${JSON.stringify(o.serverId)}`);
  }
  checkPort('ws', o.ws);
  checkPort('tcp', o.tcp);
  if (o.authenticate !== undefined && typeof o.authenticate !== 'function') {
    throw new ConfigError('gateway option authenticate must be a function');
  }
  return {
    serverId: o.serverId,
    ws: o.ws,
    tcp: o.tcp,
    heartbeatSec: checkInt('heartbeatSec', o.heartbeatSec ?? 20, 0, 3600),
    handshakeTimeoutMs: checkInt('handshakeTimeoutMs', o.handshakeTimeoutMs ?? 5000, 1),
    maxPacketSize: checkInt('maxPacketSize', o.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE, 16, PACKET_MAX_BODY),
    maxConnections: checkInt('maxConnections', o.maxConnections ?? 100_000, 1),
    sendQueueLimit: checkInt('sendQueueLimit', o.sendQueueLimit ?? 1024 * 1024, 1024),
    dictionary: o.dictionary ?? new RouteDictionary(),
    authenticate: o.authenticate,
    authTimeoutMs: checkInt('authTimeoutMs', o.authTimeoutMs ?? 10_000, 1),
    requireAuth: o.requireAuth ?? o.authenticate !== undefined,
    observer: o.observer,
  };
}
