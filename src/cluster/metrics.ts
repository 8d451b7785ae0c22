/**
 * Prometheus metrics of one server, in a registry of its own (never prom-client's global one), so
 * several servers in one process (the embedded cluster, tests) keep separate series.
 *
 * Series (names are part of the public contract; docs/cluster.md lists them):
 * - `switchyard_connections` gauge: client connections open now
 * - `switchyard_connections_total` counter: client connections accepted
 * - `switchyard_messages_in_total{route}` counter: client messages received
 * - `switchyard_messages_out_total{route}` counter: messages sent to clients (responses, pushes)
 * - `switchyard_request_duration_seconds{route}` histogram: request → response time
 * - `switchyard_errors_total{code}` counter: errors by stable code
 * - `switchyard_send_queue_drops_total` counter: messages dropped from full send queues
 * - `switchyard_forward_queue_depth` gauge: forwarded requests awaiting a backend reply
 * - `switchyard_system_messages_dropped_total{reason}` counter: server-to-server system messages
 *   (pushes, kicks, session updates, group changes) dropped for want of their target server
 * - `switchyard_event_loop_lag_seconds` gauge: p99 event-loop delay since the previous scrape
 * plus, unless turned off, prom-client's process and Node.js metrics prefixed `switchyard_`.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { HistogramSeries, RouteHistogram } from './route-histogram.js';
import { ConfigError } from '../wire/errors.js';

/** Bucket bounds of `switchyard_request_duration_seconds`, in seconds: 1 ms to 10 s. */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Label value that routes beyond `maxRoutes` are counted under. */
export const OTHER_ROUTE = 'other';

/** Options of {@link Metrics}. */
export interface MetricsOptions {
  /** Labels put on every series, e.g. `{ server: 'gate1' }`. Default none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Also collect prom-client's process and Node.js metrics, prefixed `switchyard_`. Default true. */
  readonly processMetrics?: boolean;
  /** Bucket bounds of the request duration histogram, in seconds. Default {@link DEFAULT_DURATION_BUCKETS}. */
  readonly durationBuckets?: readonly number[];
  /**
   * Most distinct `route` label values; later routes count under `route="other"`, so a client
   * inventing routes cannot grow the registry without bound. Default 1000.
   */
  readonly maxRoutes?: number;
}

/** Counters a gateway keeps (structurally the gateway's `GatewayStats`), read at scrape time. */
export interface ConnectionStats {
  readonly connections: number;
  readonly connectionsTotal: number;
  readonly errors: Readonly<Record<string, number>>;
}

/**
 * The labelled children of one route, looked up once and reused, and the messages counted since
 * the last scrape: hot-path counts are plain additions, added to the counters when scraped.
 */
class RouteSeries {
  in = 0;
  out = 0;

  constructor(
    readonly inCounter: Counter.Internal,
    readonly outCounter: Counter.Internal,
    readonly duration: HistogramSeries,
  ) {}

  /** Adds the messages counted since the last scrape to the counters. */
  flush(): void {
    if (this.in > 0) this.inCounter.inc(this.in);
    if (this.out > 0) this.outCounter.inc(this.out);
    this.in = 0;
    this.out = 0;
  }
}

/**
 * The metrics API the gateway and app call. Every method is cheap enough for the hot path: a map
 * lookup and an addition (labelled children are cached per route and per code, because
 * prom-client's `labels()` hashes its arguments on every call).
 */
export class Metrics {
  /** The registry `/metrics` serves. */
  readonly registry = new Registry();
  readonly #connections: Gauge;
  readonly #connectionsTotal: Counter;
  readonly #messagesIn: Counter<'route'>;
  readonly #messagesOut: Counter<'route'>;
  readonly #duration: RouteHistogram;
  readonly #errors: Counter<'code'>;
  readonly #drops: Counter;
  readonly #forwardDepth: Gauge;
  /** Forwarded requests awaiting a reply now (set on the gauge when scraped). */
  #forwarding = 0;
  readonly #systemDrops: Counter<'reason'>;
  readonly #lag: IntervalHistogram;
  readonly #lagGauge: Gauge;
  readonly #maxRoutes: number;
  readonly #routes = new Map<string, RouteSeries>();
  #other: RouteSeries | undefined;
  /**
   * Whether a route count was made since the last flush. Both route counters flush on collect (so
   * either one read alone is current), and in one scrape the second finds nothing to add: it skips.
   */
  #unflushed = false;
  readonly #codes = new Map<string, Counter.Internal>();
  #stats: (() => ConnectionStats) | undefined;
  #seen: { total: number; errors: Record<string, number> } = { total: 0, errors: {} };

  constructor(options: MetricsOptions = {}) {
    this.#maxRoutes = checkOptions(options);
    if (options.labels) this.registry.setDefaultLabels({ ...options.labels });
    const registers = [this.registry];
    this.#connections = new Gauge({ name: 'switchyard_connections', help: 'Client connections open now.', registers, collect: () => this.#collectStats() });
    this.#connectionsTotal = new Counter({ name: 'switchyard_connections_total', help: 'Client connections accepted.', registers });
    const flushRoutes = (): void => this.#flushRoutes();
    this.#messagesIn = new Counter({ name: 'switchyard_messages_in_total', help: 'Client messages received, by route.', labelNames: ['route'], registers, collect: flushRoutes });
    this.#messagesOut = new Counter({ name: 'switchyard_messages_out_total', help: 'Messages sent to clients (responses and pushes), by route.', labelNames: ['route'], registers, collect: flushRoutes });
    this.#duration = new RouteHistogram(
      'switchyard_request_duration_seconds',
      'Time from a client request to its response, in seconds, by route.',
      options.durationBuckets ?? DEFAULT_DURATION_BUCKETS,
      this.registry,
    );
    this.#errors = new Counter({ name: 'switchyard_errors_total', help: 'Errors by stable code.', labelNames: ['code'], registers });
    this.#drops = new Counter({ name: 'switchyard_send_queue_drops_total', help: 'Messages dropped because a client send queue was full.', registers });
    this.#forwardDepth = new Gauge({
      name: 'switchyard_forward_queue_depth',
      help: 'Forwarded requests awaiting a backend reply.',
      registers,
      collect: () => this.#forwardDepth.set(this.#forwarding),
    });
    this.#systemDrops = new Counter({
      name: 'switchyard_system_messages_dropped_total',
      help: 'System messages to another server dropped: held too long for a server not in the membership (expired), past the holding limits (queue_full), or held when the server stopped (stopped).',
      labelNames: ['reason'],
      registers,
    });
    this.#lag = monitorEventLoopDelay({ resolution: 10 });
    this.#lag.enable();
    this.#lagGauge = new Gauge({
      name: 'switchyard_event_loop_lag_seconds',
      help: 'p99 event-loop delay since the previous scrape, in seconds.',
      registers,
      collect: () => this.#collectLag(),
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_' });
  }

  /** A client connection opened. */
  connectionOpened(): void {
    this.#connections.inc();
    this.#connectionsTotal.inc();
  }

  /** A client connection closed. */
  connectionClosed(): void {
    this.#connections.dec();
  }

  /** A client message arrived on `route`. Hot path. */
  messageIn(route: string): void {
    this.#route(route).in++;
    this.#unflushed = true;
  }

  /** `count` messages went out to clients on `route` (a response counts under its request's route). Hot path. */
  messageOut(route: string, count = 1): void {
    if (!(count > 0)) return;
    this.#route(route).out += count;
    this.#unflushed = true;
  }

  /** A request on `route` was answered after `seconds`. Hot path. */
  requestDone(route: string, seconds: number): void {
    this.#route(route).duration.observe(seconds);
  }

  /** An error with stable `code` happened (protocol violation, timeout, unavailable backend, ...). */
  error(code: string): void {
    let c = this.#codes.get(code);
    if (!c) {
      c = this.#errors.labels(code);
      this.#codes.set(code, c);
    }
    c.inc();
  }

  /** `count` messages were dropped from a full send queue. */
  sendQueueDrop(count = 1): void {
    this.#drops.inc(count);
  }

  /** A request was forwarded to a backend and awaits its reply. */
  forwardStarted(): void {
    this.#forwarding++;
  }

  /** A forwarded request was answered, failed or timed out. */
  forwardSettled(): void {
    this.#forwarding--;
  }

  /** `count` system messages to another server were dropped, for `reason` (`expired`, `queue_full`, `stopped`). */
  systemMessagesDropped(reason: string, count = 1): void {
    if (count > 0) this.#systemDrops.labels(reason).inc(count);
  }

  /**
   * Reads connection counts and errors from `source` (a gateway's `stats`) at every scrape,
   * instead of {@link connectionOpened}/{@link connectionClosed}/{@link error} calls; use one way
   * or the other, not both.
   */
  observe(source: () => ConnectionStats): void {
    this.#stats = source;
  }

  /** The Prometheus text exposition of every series. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Stops the event-loop delay monitor. */
  close(): void {
    this.#lag.disable();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #route(route: string): RouteSeries {
    const known = this.#routes.get(route);
    if (known) return known;
    if (this.#routes.size >= this.#maxRoutes) return (this.#other ??= this.#series(OTHER_ROUTE));
    const created = this.#series(route);
    this.#routes.set(route, created);
    return created;
  }

  #series(label: string): RouteSeries {
    return new RouteSeries(this.#messagesIn.labels(label), this.#messagesOut.labels(label), this.#duration.series(label));
  }

  /** Adds every route's counts made since the last flush to the counters; nothing to do if none were. */
  #flushRoutes(): void {
    if (!this.#unflushed) return;
    this.#unflushed = false;
    for (const series of this.#routes.values()) series.flush();
    this.#other?.flush();
  }

  #collectStats(): void {
    if (!this.#stats) return;
    const now = this.#stats();
    this.#connections.set(now.connections);
    // Counters only go up: add what the gateway counted since the previous scrape.
    if (now.connectionsTotal > this.#seen.total) this.#connectionsTotal.inc(now.connectionsTotal - this.#seen.total);
    for (const [code, n] of Object.entries(now.errors)) {
      const before = this.#seen.errors[code] ?? 0;
      if (n > before) this.#errors.labels(code).inc(n - before);
    }
    this.#seen = { total: now.connectionsTotal, errors: { ...now.errors } };
  }

  #collectLag(): void {
    this.#lagGauge.set(this.#lag.count > 0 ? this.#lag.percentile(99) / 1e9 : 0);
    this.#lag.reset();
  }
}

function checkOptions(o: MetricsOptions): number {
  const maxRoutes = o.maxRoutes ?? 1000;
  if (!Number.isInteger(maxRoutes) || maxRoutes < 1) throw new ConfigError(`metrics maxRoutes must be a positive integer, got ${String(o.maxRoutes)}`);
  const b = o.durationBuckets;
  if (b !== undefined && (!Array.isArray(b) || b.length === 0 || !b.every((x, i) => x > 0 && (i === 0 || x > b[i - 1])))) {
    throw new ConfigError('metrics durationBuckets must be increasing positive numbers of seconds');
  }
  return maxRoutes;
}
