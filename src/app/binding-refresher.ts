import type { Logger } from 'pino';
import type { BoundSession, SessionRegistry } from '../cluster/session-registry.js';
import type { Gateway } from '../gateway/index.js';
import { ConfigError } from '../wire/errors.js';

/** What a {@link BindingRefresher} reads from its gateway. */
export interface BindingRefresherHost {
  /** This gateway's server id, as its bindings name it. */
  frontendId(): string;
  /**
   * The sessions this gateway holds with a user bound (one per user: the one the gateway indexes),
   * each a record of its own: they go to the registry as they are, not copied again.
   */
  boundSessions(): Iterable<BoundSession>;
}

/** A gateway's sessions with a user bound, one per user (the one it indexes), each a fresh record. */
export function* gatewayBoundSessions(gateway: Gateway): Generator<BoundSession> {
  for (const s of gateway.sessions()) if (s.uid !== undefined && gateway.sessionOfUser(s.uid) === s) yield { uid: s.uid, sessionId: s.id };
}

/** Tuning of a {@link BindingRefresher}; the defaults suit production, tests may shorten them. */
export interface BindingRefresherOptions {
  /** Time between sweeps, in ms. Default a third of the registry's `bindingTtlMs`. */
  intervalMs?: number;
  /** Most bindings sent in one registry call (one round trip). Default 500. */
  batchSize?: number;
}

/** Default bindings per registry call: a short Lua run in Redis, a small request. */
const BINDING_REFRESH_BATCH = 500;

type ExpiringRegistry = SessionRegistry & Required<Pick<SessionRegistry, 'refreshBindings' | 'bindingTtlMs'>>;

/**
 * Keeps a gateway's user bindings alive in a registry whose bindings expire: every interval it
 * refreshes them in bounded batches, one registry call each, so a gateway that dies without
 * unbinding frees its users within `bindingTtlMs` while a live one keeps them.
 */
export class BindingRefresher {
  readonly #registry: ExpiringRegistry;
  readonly #host: BindingRefresherHost;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #batchSize: number;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #stopped = false;

  /** A refresher for `registry`, or undefined when its bindings never expire (nothing to refresh). */
  static for(registry: SessionRegistry | undefined, host: BindingRefresherHost, logger: Logger, options: BindingRefresherOptions = {}): BindingRefresher | undefined {
    if (!registry?.refreshBindings || registry.bindingTtlMs === undefined) return undefined;
    return new BindingRefresher(registry as ExpiringRegistry, host, logger, options);
  }

  private constructor(registry: ExpiringRegistry, host: BindingRefresherHost, logger: Logger, options: BindingRefresherOptions) {
    this.#registry = registry;
    this.#host = host;
    this.#logger = logger;
    this.#intervalMs = options.intervalMs ?? Math.max(1, Math.floor(registry.bindingTtlMs / 3));
    this.#batchSize = options.batchSize ?? BINDING_REFRESH_BATCH;
    if (!Number.isInteger(this.#intervalMs) || this.#intervalMs < 1 || this.#intervalMs >= registry.bindingTtlMs) {
      throw new ConfigError(`BindingRefresher: intervalMs must be an integer in 1..${registry.bindingTtlMs - 1} (below the registry's bindingTtlMs)`);
    }
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1) throw new ConfigError('BindingRefresher: batchSize must be a positive integer');
  }

  /** Sweeps every interval until stopped; a sweep still running when the next is due is not doubled. */
  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => {
      if (!this.#sweeping) this.#sweeping = this.sweep().finally(() => (this.#sweeping = undefined));
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops sweeping and waits for a sweep in flight, so the registry can be closed after it. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sweeping;
  }

  /**
   * Refreshes every bound session once. Each batch is read from the gateway right before its call
   * is sent, so a session closed since is not in it (and its unbind goes after the refresh).
   * Stops at the first failure (the store is away); the next sweep tries again.
   */
  async sweep(): Promise<void> {
    const frontendId = this.#host.frontendId();
    const sessions = this.#host.boundSessions()[Symbol.iterator]();
    let missing = 0;
    let replaced = 0;
    for (;;) {
      const batch: BoundSession[] = [];
      while (batch.length < this.#batchSize) {
        const next = sessions.next();
        if (next.done) break;
        batch.push(next.value);
      }
      if (batch.length === 0) break;
      try {
        const result = await this.#registry.refreshBindings(frontendId, batch);
        missing += result.missing;
        replaced += result.replaced;
      } catch (err) {
        this.#logger.warn({ err }, 'refreshing user bindings failed; retried next sweep');
        return;
      }
      if (batch.length < this.#batchSize || this.#stopped) break;
    }
    // Gone while the session lives here: refreshes came too late (a stall longer than bindingTtlMs)
    // or the store lost them. Not written back (that could resurrect a replaced login); the users
    // are bound again when they log in again, or when the registry reports it was restored.
    if (missing > 0) this.#logger.warn({ missing }, 'user bindings of sessions held here had expired or were lost');
    if (replaced > 0) this.#logger.debug({ replaced }, 'user bindings taken by newer logins elsewhere; left alone');
  }
}
