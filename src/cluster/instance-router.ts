/**
 * Instance choice: which server of a type answers a session's message. Rendezvous hashing on the
 * session id by default, sticky bindings for stateful types, or a function of the user's own.
 */
import { ConfigError } from '../wire/errors.js';
import type { Discovery } from './discovery.js';
import { hashServers, rendezvousPick, type HashedServers } from './rendezvous.js';
import type { ServerInfo } from './server-info.js';
import { StickyBindings, type SessionData } from './sticky-bindings.js';

/** The session a message comes from, as a custom route function sees it. */
export interface RouteSession {
  readonly id: string;
  /** The session's data, when the caller passed it. */
  readonly data?: SessionData;
}

/**
 * A custom choice among `candidates` (the live servers of the type, sorted by id). Return one of
 * them, or undefined when none will do (the caller answers `unavailable`).
 */
export type CustomRoute = (route: string, session: RouteSession, candidates: readonly ServerInfo[]) => ServerInfo | undefined;

/** How each server type is chosen. */
export interface RouterOptions {
  /**
   * Types whose sessions stay on the instance first chosen for as long as it lives (game rooms,
   * anything holding per-session state). The binding is kept in the session data under
   * `yard.sticky.<type>` when `pick` is given the data, else in the router until `unbind`.
   * Default: none (pure rendezvous hashing, which already keeps a session in place unless
   * membership changes).
   */
  readonly sticky?: readonly string[];
  /** A custom choice per server type, used instead of hashing (sticky still applies on top). Default: none. */
  readonly custom?: Readonly<Record<string, CustomRoute>>;
}

interface TypeEntry {
  readonly set: HashedServers<ServerInfo>;
  readonly byId: ReadonlyMap<string, ServerInfo>;
}

const EMPTY: readonly ServerInfo[] = Object.freeze([]);

/** Picks a server of a type for a session; fed with membership by {@link Router.follow} or {@link Router.update}. */
export class Router {
  readonly #sticky: ReadonlySet<string>;
  readonly #custom: ReadonlyMap<string, CustomRoute>;
  readonly #bindings = new StickyBindings();
  #byType = new Map<string, TypeEntry>();
  #unsubscribe: (() => void) | undefined;

  constructor(options: RouterOptions = {}) {
    this.#sticky = new Set(checkTypes(options.sticky));
    this.#custom = new Map(Object.entries(checkCustom(options.custom)));
  }

  /** Replaces the membership (what a Discovery subscription delivers). */
  update(members: readonly ServerInfo[]): void {
    const groups = new Map<string, ServerInfo[]>();
    for (const m of members) {
      let g = groups.get(m.type);
      if (!g) groups.set(m.type, (g = []));
      g.push(m);
    }
    const next = new Map<string, TypeEntry>();
    for (const [type, servers] of groups) {
      servers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      next.set(type, { set: hashServers(servers), byId: new Map(servers.map((s) => [s.id, s])) });
    }
    this.#byType = next;
  }

  /** Takes the membership from `discovery` now and on every change, until {@link close}. */
  follow(discovery: Discovery): void {
    this.#unsubscribe?.();
    this.update(discovery.members());
    this.#unsubscribe = discovery.subscribe((members) => this.update(members));
  }

  /** The live servers of `type`, sorted by id. */
  candidates(type: string): readonly ServerInfo[] {
    return this.#byType.get(type)?.set.servers ?? EMPTY;
  }

  /**
   * The server of `type` that should handle `route` for `sessionId`, or undefined when there is
   * none (the caller answers `unavailable`).
   * Hot path: one map lookup per step and one hash per candidate; no allocation unless a
   * custom function runs or a sticky binding is written.
   */
  pick(type: string, route: string, sessionId: string, sessionData?: SessionData): ServerInfo | undefined {
    const entry = this.#byType.get(type);
    if (!entry) return undefined;
    const sticky = this.#sticky.has(type);
    if (sticky) {
      const bound = this.#bindings.get(type, sessionId, sessionData);
      const server = bound === undefined ? undefined : entry.byId.get(bound);
      if (server) return server;
    }
    const custom = this.#custom.get(type);
    const chosen = custom ? custom(route, { id: sessionId, data: sessionData }, entry.set.servers) : rendezvousPick(entry.set, sessionId);
    if (sticky && chosen) this.#bindings.set(type, sessionId, chosen.id, sessionData);
    return chosen;
  }

  /** The server id `sessionId` is bound to for `type`, if any (and whether or not it still lives). */
  boundTo(type: string, sessionId: string, sessionData?: SessionData): string | undefined {
    return this.#bindings.get(type, sessionId, sessionData);
  }

  /** Forgets the bindings kept in the router for `sessionId`; call when the session closes. */
  unbind(sessionId: string): void {
    this.#bindings.forget(sessionId);
  }

  /** Stops following discovery. */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function checkTypes(types: readonly string[] | undefined): readonly string[] {
  if (types === undefined) return [];
  if (!Array.isArray(types) || !types.every((t) => typeof t === 'string' && t !== '')) {
    throw new ConfigError('router sticky must be an array of server type names');
  }
  return types;
}

function checkCustom(custom: Readonly<Record<string, CustomRoute>> | undefined): Readonly<Record<string, CustomRoute>> {
  if (custom === undefined) return {};
  for (const [type, fn] of Object.entries(custom)) {
    if (typeof fn !== 'function') throw new ConfigError(`router custom.${type} must be a function (route, session, candidates) => server`);
  }
  return custom;
}
