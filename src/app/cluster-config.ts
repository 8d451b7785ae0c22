import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BINDING_TTL_RANGE } from '../cluster/session-registry.js';
import { ConfigError } from '../wire/index.js';
import { DEFAULT_POOL_SIZE } from '../transport/index.js';
import { SESSION_COPIES_DEFAULTS, type CopyReconcilerOptions } from './copy-reconciler.js';
import { checkPendingSystemMessagesOptions, PENDING_SYSTEM_MESSAGES_DEFAULTS, type PendingSystemMessagesOptions } from './pending-system-messages.js';

/** One server of a cluster config file. */
export interface ServerConfig {
  /** Unique id (no '-', '/' or whitespace). */
  id: string;
  /** Server type; also the service its handlers serve unless `services` says otherwise. */
  type: string;
  /** Default 127.0.0.1. */
  host: string;
  /** Server-to-server RPC port (TCP transport); 0 = any free port. */
  port: number;
  /** Client WebSocket port: makes it a frontend (gateway). */
  ws?: number;
  /** Client TCP port: makes it a frontend (gateway). */
  tcp?: number;
  /** Admin HTTP port (metrics, profiling) on 127.0.0.1; omitted = none. */
  admin?: number;
  /** Gateway worker processes sharing the client ports. Default 1. */
  workers: number;
  /** Services its handlers serve, as other servers see them in static discovery. Default `[type]`. */
  services: string[];
  /** Directories a frontend serves over HTTP beside WebSocket (absolute). Default none. */
  static: string[];
  /**
   * When true, `id` is a prefix: each process started as this server takes the id `<id><n>` with the
   * first free number n (from 1) claimed in etcd (or Redis), the seed's "try the next id until one
   * is free". Needs etcd discovery or the Redis registry; `port` should then be 0.
   */
  allocateId: boolean;
  /** Gateway options given as data (JSON-friendly ones only), checked by the gateway at start. */
  gateway: GatewayTuning;
}

/** The gateway options a config file may set; `tls` paths are relative to the config file. */
export interface GatewayTuning {
  heartbeatSec?: number;
  handshakeTimeoutMs?: number;
  maxPacketSize?: number;
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  sendQueueLimit?: number;
  rateLimit?: { messagesPerSec: number; burst?: number; policy?: 'drop' | 'kick' };
  /** Resumable sessions (see GatewayOptions.resume); with the Redis registry they resume on any gateway. */
  resume?: { graceMs?: number; replayLimit?: number; replayBytes?: number; maxParked?: number; handoverMs?: number };
  allowedOrigins?: string[];
  wsTls?: { certFile: string; keyFile: string };
  tcpTls?: { certFile: string; keyFile: string };
}

const TUNING_KEYS = new Set(['heartbeatSec', 'handshakeTimeoutMs', 'maxPacketSize', 'maxConnections', 'maxConnectionsPerAddress', 'sendQueueLimit', 'rateLimit', 'resume', 'allowedOrigins', 'wsTls', 'tcpTls']);

function tlsFiles(v: unknown, where: string, baseDir: string): { certFile: string; keyFile: string } | undefined {
  if (v === undefined) return undefined;
  const o = obj(v, where);
  return { certFile: resolve(baseDir, str(o, 'certFile', where)), keyFile: resolve(baseDir, str(o, 'keyFile', where)) };
}

function tuning(v: unknown, where: string, baseDir: string): GatewayTuning {
  const o = onlyKeys(obj(v ?? {}, where), TUNING_KEYS, where, 'a gateway option a config file can set');
  return { ...(o as GatewayTuning), wsTls: tlsFiles(o.wsTls, `${where}.wsTls`, baseDir), tcpTls: tlsFiles(o.tcpTls, `${where}.tcpTls`, baseDir) };
}

/** A cluster config file, checked. */
export interface ClusterConfig {
  /** Absolute path of the application module: its default export registers handlers per server type. */
  app: string;
  discovery: { kind: 'static' } | { kind: 'etcd'; endpoints: string[]; ttlSec: number };
  transport: { kind: 'tcp'; poolSize: number } | { kind: 'nats'; servers: string };
  /** `bindingTtlMs`: how long a user binding lives unless its gateway refreshes it (omitted: the registry's 60000). */
  registry: ({ kind: 'memory' } | { kind: 'redis'; url: string }) & { bindingTtlMs?: number };
  /** Directory with the seed's `message_map.json` and `dest_map.json`, watched; omitted = route by services. */
  routes?: string;
  /** Services whose sessions stay on the instance that first served them (see ClusterOptions.stickyServices). */
  sticky: string[];
  /** Route codes (route → 1..65535) gateways announce, so clients and route tables can use numbers. */
  dictionary: Record<string, number>;
  /** Graceful stop deadline in ms. Default 10000. */
  shutdownTimeoutMs: number;
  /** How backends check their copies of sessions with the gateways (see ClusterOptions.sessionCopies). */
  sessionCopies: Required<CopyReconcilerOptions>;
  /** How system messages to a server not (yet) in the membership are held (see ClusterOptions.systemMessages). */
  systemMessages: Required<PendingSystemMessagesOptions>;
  servers: ServerConfig[];
}

type Obj = Record<string, unknown>;

function obj(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${where} must be an object`);
  return v as Obj;
}

function str(o: Obj, key: string, where: string, fallback?: string): string {
  const v = o[key] ?? fallback;
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${where}.${key} must be a non-empty string`);
  return v;
}

function int(o: Obj, key: string, where: string, min: number, max: number, fallback?: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${where}.${key} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function optionalPort(o: Obj, key: string, where: string): number | undefined {
  return o[key] === undefined ? undefined : int(o, key, where, 0, 65535);
}

function server(v: unknown, i: number, baseDir: string): ServerConfig {
  const where = `servers[${i}]`;
  const o = obj(v, where);
  const id = str(o, 'id', where);
  if (/[/\-\s]/.test(id)) throw new ConfigError(`${where}.id "${id}" must not contain '-', '/' or whitespace`);
  return {
    id,
    type: str(o, 'type', where),
    host: str(o, 'host', where, '127.0.0.1'),
    port: int(o, 'port', where, 0, 65535, 0),
    ws: optionalPort(o, 'ws', where),
    tcp: optionalPort(o, 'tcp', where),
    admin: optionalPort(o, 'admin', where),
    workers: int(o, 'workers', where, 1, 64, 1),
    services: strings(o, 'services', where) ?? [str(o, 'type', where)],
    static: (strings(o, 'static', where) ?? []).map((d) => resolve(baseDir, d)),
    allocateId: bool(o, 'allocateId', where),
    gateway: tuning(o.gateway, `${where}.gateway`, baseDir),
  };
}

/** Refuses a key of `o` not in `keys`, as `<where>.<key> is not <what>`. */
function onlyKeys(o: Obj, keys: ReadonlySet<string>, where: string, what = 'an option'): Obj {
  for (const key of Object.keys(o)) if (!keys.has(key)) throw new ConfigError(`${where}.${key} is not ${what}`);
  return o;
}

function bool(o: Obj, key: string, where: string): boolean {
  const v = o[key] ?? false;
  if (typeof v !== 'boolean') throw new ConfigError(`${where}.${key} must be true or false`);
  return v;
}

function strings(o: Obj, key: string, where: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ConfigError(`${where}.${key} must be an array of strings`);
  return v as string[];
}

function discovery(v: unknown): ClusterConfig['discovery'] {
  const o = obj(v ?? { kind: 'static' }, 'discovery');
  if (o.kind === 'static') return { kind: 'static' };
  if (o.kind !== 'etcd') throw new ConfigError('discovery.kind must be "static" or "etcd"');
  const endpoints = o.endpoints;
  if (!Array.isArray(endpoints) || endpoints.length === 0 || !endpoints.every((e) => typeof e === 'string')) {
    throw new ConfigError('discovery.endpoints must be a non-empty array of etcd URLs');
  }
  return { kind: 'etcd', endpoints, ttlSec: int(o, 'ttlSec', 'discovery', 1, 3600, 10) };
}

function transport(v: unknown): ClusterConfig['transport'] {
  const o = obj(v ?? { kind: 'tcp' }, 'transport');
  if (o.kind === 'tcp') return { kind: 'tcp', poolSize: int(o, 'poolSize', 'transport', 1, 256, DEFAULT_POOL_SIZE) };
  if (o.kind === 'nats') return { kind: 'nats', servers: str(o, 'servers', 'transport') };
  throw new ConfigError('transport.kind must be "tcp" or "nats"');
}

function registry(v: unknown): ClusterConfig['registry'] {
  const o = obj(v ?? { kind: 'memory' }, 'registry');
  const ttl = o.bindingTtlMs === undefined ? {} : { bindingTtlMs: int(o, 'bindingTtlMs', 'registry', BINDING_TTL_RANGE.min, BINDING_TTL_RANGE.max) };
  if (o.kind === 'memory') return { kind: 'memory', ...ttl };
  if (o.kind === 'redis') return { kind: 'redis', url: str(o, 'url', 'registry'), ...ttl };
  throw new ConfigError('registry.kind must be "memory" or "redis"');
}

const SESSION_COPIES_KEYS = new Set(Object.keys(SESSION_COPIES_DEFAULTS));

function sessionCopies(v: unknown): ClusterConfig['sessionCopies'] {
  const o = onlyKeys(obj(v ?? {}, 'sessionCopies'), SESSION_COPIES_KEYS, 'sessionCopies');
  return {
    gatewayGoneMs: int(o, 'gatewayGoneMs', 'sessionCopies', 0, 86_400_000, SESSION_COPIES_DEFAULTS.gatewayGoneMs),
    checkIntervalMs: int(o, 'checkIntervalMs', 'sessionCopies', 0, 86_400_000, SESSION_COPIES_DEFAULTS.checkIntervalMs),
  };
}

const SYSTEM_MESSAGE_KEYS = new Set(Object.keys(PENDING_SYSTEM_MESSAGES_DEFAULTS));

function systemMessages(v: unknown): ClusterConfig['systemMessages'] {
  return checkPendingSystemMessagesOptions(onlyKeys(obj(v ?? {}, 'systemMessages'), SYSTEM_MESSAGE_KEYS, 'systemMessages'));
}

function dictionary(v: unknown): Record<string, number> {
  const o = obj(v ?? {}, 'dictionary');
  for (const [route, code] of Object.entries(o)) int(o, route, 'dictionary', 1, 65535);
  return o as Record<string, number>;
}

/** Refuses two servers (or gateway workers, which take port + n) given the same host and port. */
function checkPorts(servers: readonly ServerConfig[]): void {
  const taken = new Map<string, string>();
  const claim = (s: ServerConfig, what: string, port: number | undefined, n: number): void => {
    if (!port) return;
    const key = `${s.host}:${port + n}`;
    const owner = `${s.id}${s.workers > 1 ? ` worker ${n}` : ''} ${what}`;
    const other = taken.get(key);
    if (other) throw new ConfigError(`port ${key} is given twice: ${other} and ${owner}`);
    taken.set(key, owner);
  };
  for (const s of servers) {
    for (let n = 0; n < s.workers; n++) {
      claim(s, 'port', s.port, n);
      claim(s, 'admin', s.admin, n);
    }
    // Workers share the client ports.
    claim(s, 'ws', s.ws, 0);
    claim(s, 'tcp', s.tcp, 0);
  }
}

/** Checks a parsed config; paths in it are relative to `baseDir`. Throws ConfigError naming the field. */
export function parseClusterConfig(value: unknown, baseDir: string): ClusterConfig {
  const o = obj(value, 'cluster config');
  if (!Array.isArray(o.servers) || o.servers.length === 0) throw new ConfigError('servers must be a non-empty array');
  const servers = o.servers.map((v, i) => server(v, i, baseDir));
  const allocating = servers.filter((s) => s.allocateId);
  const discoveryConfig = discovery(o.discovery);
  const registryConfig = registry(o.registry);
  if (allocating.length > 0 && discoveryConfig.kind !== 'etcd' && registryConfig.kind !== 'redis') {
    throw new ConfigError(`servers ${allocating.map((s) => s.id).join(', ')} allocate their ids: that needs etcd discovery or the Redis registry`);
  }
  const ids = new Set<string>();
  for (const s of servers) {
    if (ids.has(s.id)) throw new ConfigError(`server id ${s.id} appears twice`);
    ids.add(s.id);
  }
  checkPorts(servers);
  return {
    app: resolve(baseDir, str(o, 'app', 'cluster config')),
    discovery: discoveryConfig,
    transport: transport(o.transport),
    registry: registryConfig,
    routes: o.routes === undefined ? undefined : resolve(baseDir, str(o, 'routes', 'cluster config')),
    dictionary: dictionary(o.dictionary),
    sticky: strings(o, 'sticky', 'cluster config') ?? [],
    shutdownTimeoutMs: int(o, 'shutdownTimeoutMs', 'cluster config', 100, 600_000, 10_000),
    sessionCopies: sessionCopies(o.sessionCopies),
    systemMessages: systemMessages(o.systemMessages),
    servers,
  };
}

/** Reads and checks a cluster config file. */
export function loadClusterConfig(file: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read cluster config ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`cluster config ${file} is not JSON: ${(err as Error).message}`);
  }
  return parseClusterConfig(value, dirname(resolve(file)));
}

/** One running process of a server: a gateway with workers runs several, `<id>_<n>` on port + n. */
export interface ServerInstance {
  readonly id: string;
  readonly config: ServerConfig;
  /** Worker number n of a multi-worker gateway (0 otherwise): ports are offset by it. */
  readonly worker: number;
  readonly port: number;
  readonly frontend: boolean;
}

/** Every process the config describes, gateway workers expanded. */
export function serverInstances(config: ClusterConfig): ServerInstance[] {
  return config.servers.flatMap((s) => {
    const frontend = s.ws !== undefined || s.tcp !== undefined;
    if (s.workers === 1) return [{ id: s.id, config: s, worker: 0, port: s.port, frontend }];
    return Array.from({ length: s.workers }, (_, n) => ({ id: `${s.id}_${n}`, config: s, worker: n, port: s.port === 0 ? 0 : s.port + n, frontend }));
  });
}
