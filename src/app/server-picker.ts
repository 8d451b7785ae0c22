import type { ServerInfo } from '../cluster/server-info.js';
import { StickyBindings } from '../cluster/sticky-bindings.js';
import type { ClientSession } from '../gateway/index.js';
import { RpcError } from '../rpc/index.js';
import { hashServers, rendezvousPick, type HashedServers } from '../cluster/rendezvous.js';
import type { ClusterOptions } from './cluster-options.js';

/** What the server picker needs from its cluster runtime. */
export interface ServerPickerHost {
  /** The members listed now, by id. */
  members(): ReadonlyMap<string, ServerInfo>;
  /** Whether server `id` announced it leaves (it is then not picked). */
  leaving(id: string): boolean;
}

/**
 * Chooses the server a forwarded route goes to: by route table, else by service (the session's
 * sticky binding if the service is sticky and its server is up, else the picker). Candidates per
 * service are hashed once and kept until {@link ServerPicker.invalidate}.
 */
export class ServerPicker {
  readonly #host: ServerPickerHost;
  readonly #options: Pick<ClusterOptions, 'routeTable' | 'picker'>;
  readonly #sticky: ReadonlySet<string>;
  /** Reads and writes the sticky services' bindings in the session's data. */
  readonly #bindings = new StickyBindings();
  /** Candidates per service (null: nobody serves it); cleared when membership or leaving changes. */
  readonly #byService = new Map<string, HashedServers<ServerInfo> | null>();

  constructor(host: ServerPickerHost, options: Pick<ClusterOptions, 'routeTable' | 'picker' | 'stickyServices'>) {
    this.#host = host;
    this.#options = options;
    this.#sticky = new Set(options.stickyServices ?? []);
  }

  /** Forgets the candidates: the membership changed or a server announced it leaves. */
  invalidate(): void {
    this.#byService.clear();
  }

  /** The server for a forwarded route, or an RpcError saying why none. */
  pick(route: string, session: ClientSession, routeCode = 0): ServerInfo | RpcError {
    const sessionId = session.id;
    const table = this.#options.routeTable?.();
    if (table) {
      const dest = table.destinationOf(route) ?? (routeCode ? table.destinationOf(routeCode) : undefined);
      if (dest) return this.#byAddress(dest.host, dest.port) ?? new RpcError('unavailable', `destination ${dest.id} (${dest.srvAddr}) is not up`);
    }
    const service = route.slice(0, route.indexOf('.'));
    const set = this.#candidates(service);
    if (!set) return new RpcError('not_found', `no server serves route ${JSON.stringify(route)}`);
    const sticky = this.#sticky.has(service);
    if (sticky) {
      const bound = this.#host.members().get(this.#bindings.get(service, sessionId, session) ?? '');
      if (bound && !this.#host.leaving(bound.id) && bound.services.includes(service)) return bound;
    }
    const picker = this.#options.picker;
    const picked = picker ? picker(set.servers, sessionId, route) : rendezvousPick(set, sessionId);
    if (!picked) return new RpcError('unavailable', `no server of service ${service} is available`);
    if (sticky) this.#bindings.set(service, sessionId, picked.id, session);
    return picked;
  }

  #byAddress(host: string, port: number): ServerInfo | undefined {
    for (const m of this.#host.members().values()) if (m.host === host && m.port === port && !this.#host.leaving(m.id)) return m;
    return undefined;
  }

  /** The servers (not leaving) of a service, hashed once per membership change; undefined if none serves it. */
  #candidates(service: string): HashedServers<ServerInfo> | undefined {
    let set = this.#byService.get(service);
    if (set === undefined) {
      const all = [...this.#host.members().values()].filter((m) => m.services.includes(service));
      set = all.length === 0 ? null : hashServers(all.filter((m) => !this.#host.leaving(m.id)));
      this.#byService.set(service, set);
    }
    return set ?? undefined;
  }
}
