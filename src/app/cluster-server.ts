import type { Logger } from 'pino';
import { pathToFileURL } from 'node:url';
import { AdminServer } from '../cluster/admin-server.js';
import { Metrics } from '../cluster/metrics.js';
import { RouteTableWatcher } from '../cluster/route-table-watcher.js';
import type { Discovery } from '../cluster/discovery.js';
import { MemorySessionRegistry } from '../cluster/memory-session-registry.js';
import type { ServerIdLease } from '../cluster/server-id-allocator.js';
import type { ServerInfo } from '../cluster/server-info.js';
import type { SessionRegistry } from '../cluster/session-registry.js';
import { StaticDiscovery } from '../cluster/static-discovery.js';
import { defaultLogger } from '../gateway/index.js';
import { TcpPoolTransport, type ServerTransport } from '../transport/index.js';
import { ConfigError, RouteDictionary } from '../wire/index.js';
import { createApp, type AppOptions, type Application } from './application.js';
import type { Component } from './component.js';
import { serverInstances, type ClusterConfig, type ServerConfig, type ServerInstance } from './cluster-config.js';

/** An application module: its default export registers the handlers a server of each type runs. */
export type AppModule = (app: Application) => void | Promise<void>;

function infoOf(i: ServerInstance): ServerInfo {
  const c = i.config;
  return { id: i.id, type: c.type, host: c.host, port: i.port, frontend: i.frontend, services: c.services };
}

// etcd, NATS and Redis clients load only when the config asks for them.

async function discoveryFor(config: ClusterConfig, self: ServerInstance, logger: Logger): Promise<Discovery> {
  if (config.discovery.kind === 'etcd') {
    const { EtcdDiscovery } = await import('../cluster/etcd-discovery.js');
    return new EtcdDiscovery({ endpoints: config.discovery.endpoints, ttlSec: config.discovery.ttlSec, logger });
  }
  const others = serverInstances(config).filter((i) => i.id !== self.id);
  return new StaticDiscovery(others.map(infoOf), { logger });
}

async function transportFor(config: ClusterConfig, logger: Logger): Promise<ServerTransport> {
  const t = config.transport;
  if (t.kind === 'tcp') return new TcpPoolTransport({ poolSize: t.poolSize, logger });
  const { NatsTransport } = await import('../transport/nats-transport.js');
  return new NatsTransport({ servers: t.servers, logger });
}

async function registryFor(config: ClusterConfig, logger: Logger): Promise<SessionRegistry> {
  if (config.registry.kind === 'memory') return new MemorySessionRegistry({ bindingTtlMs: config.registry.bindingTtlMs });
  const { RedisSessionRegistry } = await import('../cluster/redis-session-registry.js');
  return new RedisSessionRegistry({ url: config.registry.url, bindingTtlMs: config.registry.bindingTtlMs, logger });
}

/** A frontend's gateway options: ports and static folders, the config's tuning, the route codes. */
function gatewayOptions(config: ClusterConfig, c: ServerConfig): NonNullable<AppOptions['gateway']> {
  const { wsTls, tcpTls, allowedOrigins, ...tuning } = c.gateway;
  return {
    ...tuning,
    dictionary: new RouteDictionary(Object.entries(config.dictionary)),
    ws: c.ws === undefined ? undefined : { host: c.host, port: c.ws, staticDirs: c.static, tls: wsTls, allowedOrigins },
    tcp: c.tcp === undefined ? undefined : { host: c.host, port: c.tcp, tls: tcpTls },
  };
}

/** Loads the application module named in the config. */
export async function loadAppModule(file: string): Promise<AppModule> {
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (typeof mod.default !== 'function') throw new ConfigError(`${file} must export a default function (app) => void`);
  return mod.default as AppModule;
}

/**
 * Builds and starts one server of a cluster config: its discovery, transport and registry from the
 * config, its handlers from the application module, its gateway if it has client ports.
 */
export async function startClusterServer(config: ClusterConfig, name: string): Promise<Application> {
  const listed = serverInstances(config).find((i) => i.id === name);
  if (!listed) throw new ConfigError(`server ${name} is not in the cluster config (ids: ${serverInstances(config).map((i) => i.id).join(', ')})`);
  const { self, lease } = listed.config.allocateId ? await allocated(config, listed) : { self: listed, lease: undefined };
  const id = self.id;
  const c = self.config;
  const logger = defaultLogger(id);
  const metrics = new Metrics({ labels: { server: id } });
  const routes = config.routes ? await RouteTableWatcher.start({ dir: config.routes, logger }) : undefined;
  const app = createApp({
    logger,
    metrics,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    gateway: self.frontend ? gatewayOptions(config, c) : undefined,
    cluster: {
      self: { ...infoOf(self), services: undefined },
      discovery: await discoveryFor(config, self, logger),
      transport: await transportFor(config, logger),
      registry: await registryFor(config, logger),
      routeTable: routes ? () => routes.table : undefined,
      stickyServices: config.sticky,
      sessionCopies: config.sessionCopies,
      systemMessages: config.systemMessages,
    },
  });
  if (routes) app.component({ name: 'route-table', shutdown: () => routes.close() });
  if (lease) app.component({ name: 'server-id', shutdown: () => lease.release() });
  await (await loadAppModule(config.app))(app);
  if (c.admin !== undefined) app.component(adminComponent(c.admin === 0 ? 0 : c.admin + self.worker, metrics, logger));
  const addresses = await app.start();
  logger.info({ server: id, type: c.type, ...addresses }, 'server started');
  return app;
}

/** Claims the first free `<prefix><n>` in etcd (or Redis); the lease is released when the server stops. */
async function allocated(config: ClusterConfig, listed: ServerInstance): Promise<{ self: ServerInstance; lease: ServerIdLease }> {
  const { allocateServerIdEtcd, allocateServerIdRedis } = await import('../cluster/server-id-allocator.js');
  const prefix = listed.id;
  const lease =
    config.discovery.kind === 'etcd'
      ? await allocateServerIdEtcd(config.discovery.endpoints, prefix)
      : await allocateServerIdRedis((config.registry as { url: string }).url, prefix);
  return { self: { ...listed, id: `${prefix}${lease.id}` }, lease };
}


/** The admin HTTP server (metrics, health, profiling) as a component: up with the app, down with it. */
function adminComponent(port: number, metrics: Metrics, logger: Logger): Component {
  const admin = new AdminServer({ port, registry: metrics.registry, logger });
  return {
    name: 'admin',
    start: async () => void (await admin.start()),
    shutdown: async () => {
      await admin.close();
      metrics.close();
    },
  };
}
