import type { Discovery } from '../cluster/discovery.js';
import type { Metrics } from '../cluster/metrics.js';
import type { RouteTable } from '../cluster/route-table.js';
import type { ServerInfo } from '../cluster/server-info.js';
import type { SessionRegistry } from '../cluster/session-registry.js';
import type { ServerTransport } from '../transport/server-transport.js';
import type { CopyReconcilerOptions } from './copy-reconciler.js';
import type { PendingSystemMessagesOptions } from './pending-system-messages.js';

/** Chooses the server for a forwarded call among those serving its service; undefined = none fits. */
export type InstancePicker = (candidates: readonly ServerInfo[], sessionId: string, route: string) => ServerInfo | undefined;

/** How an application joins a cluster. The same handlers run embedded or clustered. */
export interface ClusterOptions {
  /** This server; `port` 0 binds a free port (TCP transport). `services` default to the app's handler services. */
  self: Omit<ServerInfo, 'services'> & { services?: readonly string[] };
  discovery: Discovery;
  transport: ServerTransport;
  /** Where user ids are bound; required for pushToUser and cross-gateway duplicate logins. */
  registry?: SessionRegistry;
  /** Instance choice; default rendezvous hashing on the session id (stable as members change: src/cluster/rendezvous.ts). */
  picker?: InstancePicker;
  /**
   * Services whose sessions stay on the instance that first served them (a game room) while it is
   * up: the binding is kept in the session's data under `yard.sticky.<service>`.
   */
  stickyServices?: readonly string[];
  /** Deadline of a forwarded request, in ms. Default 10000. */
  callTimeoutMs?: number;
  /** On stop, how long a backend keeps serving after it announced it is leaving, in ms. Default 500. */
  drainMs?: number;
  /**
   * The route table in force (the seed's message_map.json / dest_map.json, hot-reloaded): a route or
   * message id listed there goes to the server at its destination's `srvAddr`. Others route by service.
   */
  routeTable?: () => RouteTable | undefined;
  /** Forwarded routes an unauthenticated session may call (for gateways with requireAuth). */
  publicRoutes?: readonly string[];
  /**
   * How a backend checks its copies of sessions with their gateways, to close those whose close
   * notice it missed (it was out of the membership) and those of a gateway gone or restarted.
   */
  sessionCopies?: CopyReconcilerOptions;
  /**
   * How system messages (pushes, kicks, session updates, group changes, close notices) to a server
   * not (yet) in the membership are held until discovery lists it: `holdMs` (default 10000),
   * `maxMessages` (10000) and `maxBytes` (4 MiB) per server, `maxServers` (64). Checked at start.
   */
  systemMessages?: PendingSystemMessagesOptions;
  /** Counts dropped system messages (`switchyard_system_messages_dropped_total`); default the app's metrics. */
  metrics?: Metrics;
}
