/** The cluster layer: identity, discovery, session registry, route tables, instance choice, metrics, admin. */
export { AdminServer, type AdminAddress, type AdminServerOptions } from './admin-server.js';
export type { Discovery, MembershipListener } from './discovery.js';
export { EtcdDiscovery, type EtcdDiscoveryOptions } from './etcd-discovery.js';
export { decodeFramedJson, encodeFramedJson } from './framed-json.js';
export { Router, type CustomRoute, type RouteSession, type RouterOptions } from './instance-router.js';
export { MemorySessionRegistry } from './memory-session-registry.js';
export { Metrics, type ConnectionStats, type MetricsOptions } from './metrics.js';
export { RedisSessionRegistry, type RedisSessionRegistryOptions } from './redis-session-registry.js';
export { hash32, hashServers, rendezvousPick, type HashedServers } from './rendezvous.js';
export { RouteTable, type Destination } from './route-table.js';
export { loadRouteTable, RouteTableError } from './route-table-files.js';
export { RouteTableWatcher, type RouteTableWatcherOptions } from './route-table-watcher.js';
export { isServerInfo, type ServerInfo } from './server-info.js';
export { allocateServerIdEtcd, allocateServerIdRedis, type ServerIdLease } from './server-id-allocator.js';
export type { SessionLocation, SessionRegistry } from './session-registry.js';
export { decodeSnapshot, encodeSnapshot, type SessionSnapshot, type SessionUpdate } from './session-snapshot.js';
export { StaticDiscovery, type StaticDiscoveryOptions } from './static-discovery.js';
export { StickyBindings, stickyKey } from './sticky-bindings.js';
