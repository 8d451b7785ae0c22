import { isReservedRoute, RESERVED_ROUTE_PREFIX } from '../gateway/index.js';
import { ConfigError, encodeJsonBody, parseJsonBody } from '../wire/index.js';
import { compose, type Dispatch, type Filter } from './filters.js';
import type { HandlerContext } from './handler-context.js';

/** Options of {@link HandlerRegistry.register} (`app.handler`). */
export interface HandlerOptions {
  /** Methods callable before the session is authenticated (e.g. `login`); `true` = all of them. */
  public?: readonly string[] | true;
  /**
   * Names the queue a call runs on. Default: the session id, so a session's calls run one at a time
   * in order. Return e.g. a room id to serialise a room's calls across its sessions.
   */
  scheduler?: (ctx: HandlerContext) => string;
  /**
   * Server-side only: no client reaches these routes on any gateway (they answer `not_found` as if
   * absent) and they are left out of the handshake dictionary. Default false.
   */
  internal?: boolean;
}

/** One callable route and how to run it. */
export interface RouteEntry {
  readonly route: string;
  readonly public: boolean;
  /** Never callable from a client; see {@link HandlerOptions.internal}. */
  readonly internal: boolean;
  readonly schedulerKey: ((ctx: HandlerContext) => string) | undefined;
  /** Body bytes → value handed to the handler. */
  readonly decode: (bytes: Uint8Array) => unknown;
  /** Handler result → response body bytes. */
  readonly encode: (value: unknown) => Uint8Array;
  /** The handler wrapped in the filters; set when the application starts. */
  run: Dispatch;
  readonly handler: Dispatch;
}

const ROUTE_PART = /^[A-Za-z_$][\w$]*$/;

/** Function-valued names of a handler (own, then class methods), minus the constructor and `_private` ones. */
function methodNames(obj: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = obj; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || name.startsWith('_')) continue;
      if (typeof (obj as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

/** The routes of an application: `service.method` → handler, with filters applied at start. */
export class HandlerRegistry {
  readonly #routes = new Map<string, RouteEntry>();

  get routes(): ReadonlyMap<string, RouteEntry> {
    return this.#routes;
  }

  /** Registers every public method of `handler` as route `service.method`, with JSON bodies. */
  register(service: string, handler: object, options: HandlerOptions = {}): string[] {
    if (!ROUTE_PART.test(service)) throw new ConfigError(`handler service name ${JSON.stringify(service)} is not an identifier`);
    const names = methodNames(handler);
    if (names.length === 0) throw new ConfigError(`handler ${service} has no methods`);
    const pub = options.public;
    if (options.internal === true && pub !== undefined) throw new ConfigError(`handler ${service} cannot be both internal and public`);
    if (Array.isArray(pub)) {
      for (const p of pub) if (!names.includes(p)) throw new ConfigError(`public method ${service}.${p} does not exist`);
    }
    return names.map((name) => {
      const method = (handler as Record<string, (body: unknown, ctx: HandlerContext) => unknown>)[name]!;
      return this.add({
        route: `${service}.${name}`,
        public: pub === true || (Array.isArray(pub) && pub.includes(name)),
        internal: options.internal === true,
        schedulerKey: options.scheduler,
        decode: parseJsonBody,
        encode: encodeJsonBody,
        handler: (ctx, body) => method.call(handler, body, ctx),
      });
    });
  }

  /** Adds one route; throws on a duplicate. */
  add(entry: Omit<RouteEntry, 'run'>): string {
    if (isReservedRoute(entry.route)) throw new ConfigError(`route ${entry.route} starts with ${RESERVED_ROUTE_PREFIX}, which is kept for the cluster`);
    if (this.#routes.has(entry.route)) throw new ConfigError(`route ${entry.route} is registered twice`);
    this.#routes.set(entry.route, { ...entry, run: entry.handler });
    return entry.route;
  }

  get(route: string): RouteEntry | undefined {
    return this.#routes.get(route);
  }

  /** Wraps every route's handler in `filters` (called once at start, after filters are known). */
  applyFilters(filters: readonly Filter[]): void {
    for (const e of this.#routes.values()) e.run = compose(filters, e.handler);
  }
}
