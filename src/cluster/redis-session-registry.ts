import { Redis, type RedisOptions } from 'ioredis';
import pino, { type Logger } from 'pino';
import { RpcError } from '../rpc/errors.js';
import { ConfigError } from '../wire/errors.js';
import { checkBoundSessions, checkLocation, checkUid } from './memory-session-registry.js';
import { checkResumeArgs, decodeResumable, encodeResumable, type ResumableSnapshot } from './resumable-snapshot.js';
import { checkBindingTtl, type BindingRefreshResult, type BoundSession, type SessionLocation, type SessionRegistry } from './session-registry.js';

/** Options of {@link RedisSessionRegistry}. */
export interface RedisSessionRegistryOptions {
  /** Redis URL, `redis://[user:pass@]host:port[/db]` (or `rediss://`). Required. */
  url: string;
  /** Prefix of each user's key: `keyPrefix + uid` holds a hash {frontendId, sessionId}. Default 'switchyard:uid:'. */
  keyPrefix?: string;
  /** How long a user's key lives unless its gateway refreshes it, in ms (100..86400000). Default 60000. */
  bindingTtlMs?: number;
  /** Prefix of resumable session snapshots: `resumeKeyPrefix + token` holds JSON with a TTL. Default 'switchyard:resume:'. */
  resumeKeyPrefix?: string;
  /** How long a command may wait for Redis before failing with `unavailable`, in ms. Default 1000. */
  commandTimeoutMs?: number;
  /** Default: pino at SWITCHYARD_LOG_LEVEL (info). */
  logger?: Logger;
}

/** Rejects a URL ioredis could not dial, with a ConfigError naming the option. */
export function checkRedisUrl(url: unknown, where: string): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    throw new ConfigError(`${where}: url ${JSON.stringify(url)} is not a redis:// or rediss:// URL`);
  }
  return url as string;
}

/**
 * An ioredis client that fails fast instead of queueing while Redis is away: one retry per command,
 * a per-command timeout, and reconnects every ≤ 1 s forever, so it works again once Redis returns.
 */
export function createRedisClient(url: string, commandTimeoutMs: number, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * times, 1000),
    ...extra,
  });
}

/** Turns a failed command into what callers see: `unavailable` when Redis cannot be reached, else `internal`. */
export function redisFailure(err: unknown, what: string): RpcError {
  if (err instanceof RpcError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const replied = err instanceof Error && err.name === 'ReplyError';
  return new RpcError(replied ? 'internal' : 'unavailable', `${what}: ${message}`, { cause: err });
}

// Atomic in Redis: read the previous location and write the new one, with its TTL, in one step.
const BIND = `
local prev = redis.call('HMGET', KEYS[1], 'frontendId', 'sessionId')
redis.call('HSET', KEYS[1], 'frontendId', ARGV[1], 'sessionId', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return prev`;

// One gateway's bindings kept alive (ARGV: ttl, frontendId, then one session id per key): only a
// key still pointing at this gateway's session is extended; a missing one stays missing and one
// pointing elsewhere (a newer login) is left alone. Returns {kept, missing}.
const REFRESH = `
local kept, missing = 0, 0
for i, key in ipairs(KEYS) do
  local cur = redis.call('HMGET', key, 'frontendId', 'sessionId')
  if cur[1] == ARGV[2] and cur[2] == ARGV[i + 2] then
    redis.call('PEXPIRE', key, ARGV[1])
    kept = kept + 1
  elseif not cur[1] and not cur[2] then
    missing = missing + 1
  end
end
return {kept, missing}`;

// Compare-and-delete: a newer login's binding (another session id) is left alone.
const UNBIND = `
if redis.call('HGET', KEYS[1], 'sessionId') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// Get-and-delete in one step (GETDEL needs Redis 6.2; this works on any version with Lua).
const TAKE = `
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v`;

interface RegistryCommands {
  switchyardBind(key: string, frontendId: string, sessionId: string, ttlMs: number): Promise<[string | null, string | null]>;
  switchyardRefreshBindings(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<[number, number]>;
  switchyardUnbind(key: string, sessionId: string): Promise<number>;
  switchyardTakeBuffer(key: string): Promise<Buffer | null>;
}

function toLocation([frontendId, sessionId]: readonly (string | null)[]): SessionLocation | undefined {
  return frontendId && sessionId ? Object.freeze({ frontendId, sessionId }) : undefined;
}

/**
 * The session registry shared by a cluster, in Redis: `keyPrefix + uid` → hash {frontendId,
 * sessionId} with a TTL of `bindingTtlMs`, kept alive by the gateway holding the session. While
 * Redis is unreachable every call fails at once with `unavailable` (nothing is
 * queued); when Redis returns, the client reconnects by itself.
 */
export class RedisSessionRegistry implements SessionRegistry {
  readonly bindingTtlMs: number;
  readonly #redis: Redis & RegistryCommands;
  readonly #keyPrefix: string;
  readonly #resumePrefix: string;
  readonly #logger: Logger;
  #everReady = false;
  #down = false;
  readonly #restoredListeners: (() => void)[] = [];
  #closed = false;

  constructor(options: RedisSessionRegistryOptions) {
    const url = checkRedisUrl(options?.url, 'RedisSessionRegistry');
    this.#keyPrefix = options.keyPrefix ?? 'switchyard:uid:';
    if (typeof this.#keyPrefix !== 'string' || this.#keyPrefix === '') throw new ConfigError('RedisSessionRegistry: keyPrefix must be a non-empty string');
    this.#resumePrefix = options.resumeKeyPrefix ?? 'switchyard:resume:';
    if (typeof this.#resumePrefix !== 'string' || this.#resumePrefix === '') throw new ConfigError('RedisSessionRegistry: resumeKeyPrefix must be a non-empty string');
    this.bindingTtlMs = checkBindingTtl(options.bindingTtlMs, 'RedisSessionRegistry');
    const timeout = options.commandTimeoutMs ?? 1000;
    if (!(timeout > 0)) throw new ConfigError('RedisSessionRegistry: commandTimeoutMs must be > 0');
    this.#logger = options.logger ?? pino({ name: 'switchyard:redis-session-registry', level: process.env.SWITCHYARD_LOG_LEVEL ?? 'info' });
    const scripts = {
      switchyardBind: { lua: BIND, numberOfKeys: 1 },
      switchyardUnbind: { lua: UNBIND, numberOfKeys: 1 },
      switchyardRefreshBindings: { lua: REFRESH },
      switchyardTake: { lua: TAKE, numberOfKeys: 1 },
    };
    // Auto-pipelining: commands issued in one turn (a sweep's snapshot saves, a burst of binds) share one round trip.
    this.#redis = createRedisClient(url, timeout, { scripts, enableAutoPipelining: true }) as Redis & RegistryCommands;
    this.#redis.on('ready', () => this.#onReady());
    this.#redis.on('error', (err: Error) => this.#onError(err));
    // A connection lost and regained before any reconnect attempt failed raises no 'error': count
    // the close itself, so the store coming back (perhaps empty) is always reported.
    this.#redis.on('close', () => {
      if (this.#everReady && !this.#closed) this.#onError(new Error('connection to Redis closed'));
    });
  }

  async bind(uid: string, loc: SessionLocation): Promise<SessionLocation | undefined> {
    checkUid(uid);
    const { frontendId, sessionId } = checkLocation(loc);
    return toLocation(await this.#run('bind', () => this.#redis.switchyardBind(this.#keyPrefix + uid, frontendId, sessionId, this.bindingTtlMs)));
  }

  async unbind(uid: string, sessionId: string): Promise<void> {
    checkUid(uid);
    await this.#run('unbind', () => this.#redis.switchyardUnbind(this.#keyPrefix + uid, String(sessionId)));
  }

  async lookup(uid: string): Promise<SessionLocation | undefined> {
    checkUid(uid);
    return toLocation(await this.#run('lookup', () => this.#redis.hmget(this.#keyPrefix + uid, 'frontendId', 'sessionId')));
  }

  /** One script call for the lot (the caller bounds the batch), so a sweep costs one round trip. */
  async refreshBindings(frontendId: string, sessions: readonly BoundSession[]): Promise<BindingRefreshResult> {
    checkLocation({ frontendId, sessionId: 'x' });
    const checked = checkBoundSessions(frontendId, sessions);
    const keys = checked.map((s) => this.#keyPrefix + s.uid);
    const sids = checked.map((s) => s.sessionId);
    if (keys.length === 0) return { kept: 0, missing: 0, replaced: 0 };
    const [kept, missing] = await this.#run('refreshBindings', () =>
      this.#redis.switchyardRefreshBindings(keys.length, ...keys, this.bindingTtlMs, frontendId, ...sids),
    );
    return { kept, missing, replaced: keys.length - kept - missing };
  }

  async saveResumable(token: string, snapshot: ResumableSnapshot, ttlMs: number): Promise<void> {
    checkResumeArgs(token, ttlMs);
    const bytes = Buffer.from(encodeResumable(snapshot));
    await this.#run('saveResumable', () => this.#redis.set(this.#resumePrefix + token, bytes, 'PX', ttlMs));
  }

  /** SET … XX: written only while the key exists. */
  async updateResumable(token: string, snapshot: ResumableSnapshot, ttlMs: number): Promise<boolean> {
    checkResumeArgs(token, ttlMs);
    const bytes = Buffer.from(encodeResumable(snapshot));
    return (await this.#run('updateResumable', () => this.#redis.set(this.#resumePrefix + token, bytes, 'PX', ttlMs, 'XX'))) === 'OK';
  }

  /** One round trip for the lot: a pipeline of PEXPIRE. */
  async refreshResumable(tokens: readonly string[], ttlMs: number): Promise<void> {
    for (const token of tokens) checkResumeArgs(token, ttlMs);
    if (tokens.length === 0) return;
    await this.#run('refreshResumable', async () => {
      const pipeline = this.#redis.pipeline();
      for (const token of tokens) pipeline.pexpire(this.#resumePrefix + token, ttlMs);
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0];
    });
  }

  async dropResumable(token: string): Promise<void> {
    checkResumeArgs(token);
    await this.#run('dropResumable', () => this.#redis.del(this.#resumePrefix + token));
  }

  async takeResumable(token: string): Promise<ResumableSnapshot | undefined> {
    checkResumeArgs(token);
    const bytes = await this.#run('takeResumable', () => this.#redis.switchyardTakeBuffer(this.#resumePrefix + token));
    if (!bytes) return undefined;
    const snapshot = decodeResumable(bytes);
    if (!snapshot) this.#logger.warn({ token: token.slice(0, 4) }, 'malformed resumable snapshot in Redis ignored');
    return snapshot;
  }

  /** Closes the connection (QUIT when connected). Later calls fail with `unavailable`. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#redis.status === 'ready') await this.#redis.quit().catch(() => this.#redis.disconnect());
    else this.#redis.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Fails at once when Redis is known to be away; otherwise sends, within the command timeout. */
  async #run<T>(what: string, command: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new RpcError('unavailable', 'session registry is closed');
    if (this.#everReady && this.#redis.status !== 'ready') throw new RpcError('unavailable', `session registry ${what}: Redis is unreachable`);
    try {
      return await command();
    } catch (err) {
      throw redisFailure(err, `session registry ${what}`);
    }
  }

  #onReady(): void {
    const restored = this.#down;
    if (restored) this.#logger.info('Redis reachable again');
    this.#everReady = true;
    this.#down = false;
    if (restored) for (const l of this.#restoredListeners) l();
  }

  onRestored(listener: () => void): void {
    this.#restoredListeners.push(listener);
  }

  #onError(err: Error): void {
    if (this.#down) return;
    this.#down = true;
    this.#logger.warn({ err: err.message }, 'Redis unreachable; session registry calls fail with unavailable until it returns');
  }
}
