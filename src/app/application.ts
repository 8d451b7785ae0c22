import type { Logger } from 'pino';
import { defaultLogger, Gateway, type GatewayAddresses, type GatewayOptions, type SessionGroup } from '../gateway/index.js';
import { operationsOf } from '../rpc/servant-base.js';
import { ConfigError, encodeJsonBody, RouteDictionary } from '../wire/index.js';
import type { ClusterOptions } from './cluster-options.js';
import { ClusterRuntime } from './cluster-runtime.js';
import { ForwardingDispatcher } from './forwarding-dispatcher.js';
import type { Component } from './component.js';
import type { Metrics } from '../cluster/metrics.js';
import { afterFilter, beforeFilter, timingFilter, type Filter } from './filters.js';
import type { HandlerContext } from './handler-context.js';
import type { HandlerCall } from './handler-call.js';
import { HandlerRegistry, type HandlerOptions } from './handler-registry.js';
import { LocalDispatcher } from './local-dispatcher.js';
import { Scheduler } from './scheduler.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** This server's id, unique in the cluster. Default "1". */
  serverId?: string;
  /** Runs a gateway in this process with these options; omitted = no client acceptors. */
  gateway?: Omit<GatewayOptions, 'serverId' | 'logger'>;
  /** Joins a cluster: discovery, server transport, registry. Omitted = everything in this process. */
  cluster?: ClusterOptions;
  /** Metrics to record into (client connections, messages, latencies, errors); see src/cluster/metrics.ts. */
  metrics?: Metrics;
  /** Most ms a graceful stop may take before the process exits anyway. Default 10000. */
  shutdownTimeoutMs?: number;
  logger?: Logger;
}

/** Body codec of servant routes: the bytes go to the generated code as they are. */
const asBytes = (b: unknown): Uint8Array => b as Uint8Array;

type AppState = 'new' | 'starting' | 'started' | 'stopping' | 'stopped';

/**
 * An application: handlers, filters, components, the scheduler, and (in a frontend) the gateway.
 * One process may hold several; nothing here is global.
 */
export class Application {
  readonly serverId: string;
  readonly logger: Logger;
  readonly scheduler: Scheduler;
  readonly #registry = new HandlerRegistry();
  readonly #fixedCodes = new Map<string, number>();
  readonly #filters: Filter[] = [];
  readonly #components: Component[] = [];
  readonly #options: AppOptions;
  #gateway: Gateway | undefined;
  #cluster: ClusterRuntime | undefined;
  #state: AppState = 'new';
  #stopping: Promise<void> | undefined;

  constructor(options: AppOptions = {}) {
    this.#options = options;
    this.serverId = options.cluster?.self.id ?? options.serverId ?? '1';
    this.logger = options.logger ?? defaultLogger(`server-${this.serverId}`);
    this.scheduler = new Scheduler((err, key) => this.logger.error({ err, key }, 'scheduled job failed'));
  }

  /** The gateway, once started (frontend servers only). */
  get gateway(): Gateway {
    if (!this.#gateway) throw new ConfigError('this application has no gateway (set options.gateway) or has not started');
    return this.#gateway;
  }

  /** Registers a handler object: each method becomes route `service.method`. */
  handler(service: string, handler: object, options?: HandlerOptions): this {
    this.#assertNotStarted('handler');
    this.#registry.register(service, handler, options);
    return this;
  }

  /**
   * Serves an IDL servant to clients: each operation becomes a route with binary (protobuf) bodies,
   * and its IDL number becomes the route's dictionary code.
   */
  servant(servant: object, options?: Omit<HandlerOptions, 'public'> & { public?: boolean }): this {
    this.#assertNotStarted('servant');
    if (options?.internal === true && options.public === true) throw new ConfigError('a servant cannot be both internal and public');
    for (const op of operationsOf(servant)) {
      this.#registry.add({
        route: op.route,
        public: options?.public === true,
        internal: options?.internal === true,
        schedulerKey: options?.scheduler,
        decode: asBytes,
        encode: asBytes,
        handler: (ctx, body) => op.invoke(servant, body as Uint8Array, ctx as HandlerCall),
      });
      if (options?.internal !== true) this.#fixedCodes.set(op.route, op.code);
    }
    return this;
  }

  /** Adds a filter around every handler; the first added is outermost. */
  use(filter: Filter): this {
    this.#assertNotStarted('use');
    this.#filters.push(filter);
    return this;
  }

  /** Runs `fn` before every handler; it throws to refuse the call. */
  before(fn: (ctx: HandlerContext, body: unknown) => void | Promise<void>): this {
    return this.use(beforeFilter(fn));
  }

  /** Runs `fn` after every handler with its result or error. */
  after(fn: (ctx: HandlerContext, result: unknown, error: unknown) => void): this {
    return this.use(afterFilter(fn));
  }

  /** Adds a component; its hooks run with the application's lifecycle. */
  component(c: Component): this {
    this.#assertNotStarted('component');
    this.#components.push(c);
    return this;
  }

  /** This server's type in a cluster ("app" when not clustered). */
  get serverType(): string {
    return this.#options.cluster?.self.type ?? 'app';
  }

  /** A group by name: this gateway's in one process, spanning every gateway in a cluster. */
  group(name: string): SessionGroup {
    if (this.#cluster) return this.#cluster.group(name);
    return this.gateway.group(name);
  }

  /** Pushes a JSON body to a session, wherever it is held. */
  pushToSession(sessionId: string, route: string, body: unknown): void {
    if (this.#cluster) this.#cluster.pushToSession(sessionId, route, encodeJsonBody(body));
    else this.gateway.session(sessionId)?.push(route, body);
  }

  /** Pushes a JSON body to a user's session; resolves false when the user is not connected. */
  async pushToUser(uid: string, route: string, body: unknown): Promise<boolean> {
    if (this.#cluster) return this.#cluster.pushToUser(uid, route, encodeJsonBody(body));
    return this.gateway.sessionOfUser(uid)?.push(route, body) ?? false;
  }

  /** The routes this application serves. */
  get routes(): string[] {
    return [...this.#registry.routes.keys()];
  }

  /** Starts components, then the gateway; resolves with the gateway's addresses (if any). */
  async start(): Promise<GatewayAddresses> {
    this.#assertNotStarted('start');
    this.#state = 'starting';
    const metrics = this.#options.metrics;
    this.#registry.applyFilters(metrics ? [timingFilter(metrics), ...this.#filters] : this.#filters);
    for (const c of this.#components) await c.start?.(this);
    let addresses: GatewayAddresses = {};
    const cluster = this.#options.cluster;
    if (cluster) this.#cluster = new ClusterRuntime({ metrics, ...cluster }, this.#registry, this.scheduler, this.logger);
    if (this.#options.gateway) {
      const dictionary = this.#dictionary(this.#options.gateway.dictionary);
      const local = new LocalDispatcher(this.#registry, this.scheduler, this.logger);
      const dispatcher = this.#cluster
        ? new ForwardingDispatcher(local, this.#registry.routes.keys(), this.#cluster, { publicRoutes: cluster?.publicRoutes, metrics })
        : local;
      const options = { ...this.#options.gateway, dictionary, serverId: this.serverId, logger: this.logger, observer: metrics };
      this.#gateway = new Gateway(options, dispatcher, this.#cluster?.gatewayHooks());
    }
    // Join the cluster before taking clients, so the first forwarded request finds its servers.
    await this.#cluster?.start(this.#gateway);
    if (this.#gateway) addresses = await this.#gateway.start();
    for (const c of this.#components) await c.afterStart?.(this);
    this.#state = 'started';
    return addresses;
  }

  /**
   * Route codes: those given, then the IDL's, then every other route numbered after the highest.
   * Internal routes get none, even if given: a code in the handshake would tell clients they exist.
   */
  #dictionary(given: RouteDictionary | undefined): RouteDictionary {
    const internal = (route: string): boolean => this.#registry.get(route)?.internal === true;
    const dict = new RouteDictionary(given ? Object.entries(given.toJSON()).filter(([route]) => !internal(route)) : []);
    for (const [route, code] of this.#fixedCodes) if (dict.codeOf(route) === undefined) dict.add(route, code);
    let next = Math.max(0, ...Object.values(dict.toJSON())) + 1;
    for (const e of this.#registry.routes.values()) if (!e.internal && dict.codeOf(e.route) === undefined) dict.add(e.route, next++);
    return dict;
  }

  /**
   * Stops gracefully: components' beforeShutdown, the gateway (kicking clients with `reason`),
   * timers, then components' shutdown. Safe to call more than once.
   */
  stop(reason?: string): Promise<void> {
    this.#stopping ??= this.#stop(reason);
    return this.#stopping;
  }

  async #stop(reason: string | undefined): Promise<void> {
    this.#state = 'stopping';
    const reversed = [...this.#components].reverse();
    for (const c of reversed) await this.#safely(c, 'beforeShutdown', () => c.beforeShutdown?.(this));
    await this.#gateway?.close(reason);
    await this.#cluster?.stop();
    this.scheduler.clearTimers();
    for (const c of reversed) await this.#safely(c, 'shutdown', () => c.shutdown?.(this));
    this.#state = 'stopped';
  }

  async #safely(c: Component, hook: string, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.logger.error({ err, component: c.name, hook }, 'component hook failed during shutdown');
    }
  }

  /** Stops on SIGINT/SIGTERM and exits; exits with 1 if the stop outlasts `shutdownTimeoutMs`. */
  stopOnSignals(): this {
    const onSignal = (signal: NodeJS.Signals): void => {
      this.logger.info({ signal }, 'stopping');
      const timer = setTimeout(() => process.exit(1), this.#options.shutdownTimeoutMs ?? 10_000);
      timer.unref();
      this.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          this.logger.error({ err }, 'stop failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return this;
  }

  #assertNotStarted(what: string): void {
    if (this.#state !== 'new') throw new ConfigError(`app.${what}() must be called before start()`);
  }
}

/** Creates an application; see {@link AppOptions}. */
export function createApp(options?: AppOptions): Application {
  return new Application(options);
}
