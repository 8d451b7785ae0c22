import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3, Lease } from 'etcd3';
import type { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { RpcError } from '../rpc/errors.js';
import { ConfigError } from '../wire/errors.js';
import { checkEndpoints, createEtcdClient } from './etcd-discovery.js';
import { checkRedisUrl, createRedisClient, redisFailure } from './redis-session-registry.js';

/** A numeric server id held for this process until `release()`. */
export interface ServerIdLease {
  /** The id, unique among servers of its type while held. */
  readonly id: number;
  /** Gives the id back at once (others may take it). Safe to call twice. */
  release(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options common to both stores. */
export interface ServerIdOptions {
  /** First id tried; the next ones are tried in turn until one is free. Default 1. */
  base?: number;
  /** Last id tried (inclusive); when all are held, allocation fails with `unavailable`. Default base + 9999. */
  max?: number;
  /** Seconds a claim outlives its holder (a SIGKILLed server frees its id after this). Redis default 30, etcd 10. */
  ttlSec?: number;
  /** Default: pino at SWITCHYARD_LOG_LEVEL (info). */
  logger?: Logger;
}

/** Options of {@link allocateServerIdRedis}. */
export interface RedisServerIdOptions extends ServerIdOptions {
  /** The claim on id N of type T is the key `keyPrefix + T + ':' + N`. Default 'switchyard:server-id:'. */
  keyPrefix?: string;
}

/** Options of {@link allocateServerIdEtcd}. */
export interface EtcdServerIdOptions extends ServerIdOptions {
  /** The claim on id N of type T is the key `prefix + T + '/' + N`, under a lease. Default '/switchyard/server-ids/'. */
  prefix?: string;
}

interface Range {
  readonly base: number;
  readonly max: number;
  readonly ttlSec: number;
  readonly logger: Logger;
  /** Written into the claim so an operator can tell who holds it. */
  readonly owner: string;
}

function checkRange(type: unknown, options: ServerIdOptions, defaultTtl: number, where: string): Range {
  if (typeof type !== 'string' || !/^[A-Za-z0-9_.]+$/.test(type)) throw new ConfigError(`${where}: server type ${JSON.stringify(type)} must be letters, digits, '_' or '.'`);
  const base = options.base ?? 1;
  const max = options.max ?? base + 9999;
  const ttlSec = options.ttlSec ?? defaultTtl;
  if (!Number.isSafeInteger(base) || base < 0) throw new ConfigError(`${where}: base must be an integer >= 0`);
  if (!Number.isSafeInteger(max) || max < base) throw new ConfigError(`${where}: max must be an integer >= base`);
  if (!Number.isInteger(ttlSec) || ttlSec < 1) throw new ConfigError(`${where}: ttlSec must be an integer >= 1`);
  const logger = options.logger ?? pino({ name: 'switchyard:server-id', level: process.env.SWITCHYARD_LOG_LEVEL ?? 'info' });
  return { base, max, ttlSec, logger, owner: `${hostname()}:${process.pid}:${randomUUID()}` };
}

function exhausted(type: string, range: Range): RpcError {
  return new RpcError('unavailable', `no free ${type} server id in ${range.base}..${range.max}`);
}

// Refresh: extend our claim; take it back if it vanished (Redis restarted empty); 0 if someone else holds it.
const KEEP = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('EXPIRE', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 2 end
return 0`;

// Release: delete the claim only while it is still ours.
const DROP = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Claims the lowest free id of `type` in Redis: `SET key owner NX EX ttlSec` on base, base+1, …
 * until one succeeds (seed 001's "try the id, id++ until the key does not exist, insert"). The
 * claim is refreshed every ttlSec/3 and deleted by `release()`.
 */
export async function allocateServerIdRedis(url: string, type: string, options: RedisServerIdOptions = {}): Promise<ServerIdLease> {
  checkRedisUrl(url, 'allocateServerIdRedis');
  const range = checkRange(type, options, 30, 'allocateServerIdRedis');
  const keyPrefix = options.keyPrefix ?? 'switchyard:server-id:';
  const redis = createRedisClient(url, 2000);
  redis.on('error', () => undefined); // reported by the refresh below, once per outage
  try {
    for (let id = range.base; id <= range.max; id++) {
      const key = `${keyPrefix}${type}:${id}`;
      if ((await redis.set(key, range.owner, 'EX', range.ttlSec, 'NX')) === 'OK') return new RedisClaim(redis, key, id, range);
    }
  } catch (err) {
    redis.disconnect();
    throw redisFailure(err, `allocating a ${type} server id`);
  }
  redis.disconnect();
  throw exhausted(type, range);
}

class RedisClaim implements ServerIdLease {
  readonly id: number;
  readonly #redis: Redis;
  readonly #key: string;
  readonly #range: Range;
  readonly #timer: NodeJS.Timeout;
  #failing = false;
  #released = false;

  constructor(redis: Redis, key: string, id: number, range: Range) {
    this.id = id;
    this.#redis = redis;
    this.#key = key;
    this.#range = range;
    this.#timer = setInterval(() => void this.#refresh(), (range.ttlSec * 1000) / 3);
    this.#timer.unref(); // the claim alone must not keep a process alive
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    try {
      if (this.#redis.status === 'ready') await this.#redis.eval(DROP, 1, this.#key, this.#range.owner);
    } catch (err) {
      this.#range.logger.warn({ err, key: this.#key }, 'could not release the server id; it lapses after its TTL');
    } finally {
      this.#redis.disconnect();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  async #refresh(): Promise<void> {
    const { logger, owner, ttlSec } = this.#range;
    try {
      const result = await this.#redis.eval(KEEP, 1, this.#key, owner, ttlSec);
      if (this.#failing) logger.info({ key: this.#key }, 'server id claim refreshed again');
      this.#failing = false;
      if (result === 2) logger.warn({ key: this.#key }, 'server id claim had vanished (Redis restarted?); claimed it again');
      if (result === 0) logger.error({ key: this.#key }, 'server id now held by another process: two servers share this id');
    } catch (err) {
      if (!this.#failing) logger.warn({ err: (err as Error).message, key: this.#key }, 'cannot refresh the server id claim; Redis unreachable');
      this.#failing = true;
    }
  }
}

/**
 * Claims the lowest free id of `type` in etcd: a transaction "create `prefix/type/N` if absent"
 * under a lease, on base, base+1, … until one succeeds. The lease is kept alive; if it is lost
 * (etcd away too long) the claim is made again under a new lease. `release()` revokes the lease.
 */
export async function allocateServerIdEtcd(endpoints: readonly string[], type: string, options: EtcdServerIdOptions = {}): Promise<ServerIdLease> {
  const hosts = checkEndpoints(endpoints, 'allocateServerIdEtcd');
  const range = checkRange(type, options, 10, 'allocateServerIdEtcd');
  const prefix = options.prefix ?? '/switchyard/server-ids/';
  if (typeof prefix !== 'string' || !prefix.endsWith('/')) throw new ConfigError('allocateServerIdEtcd: prefix must be a string ending with "/"');
  const client = createEtcdClient(hosts);
  const lease = client.lease(range.ttlSec);
  lease.on('lost', () => undefined); // until the claim is made, a lost lease is a rejected grant below
  try {
    const leaseId = await lease.grant();
    for (let id = range.base; id <= range.max; id++) {
      const key = `${prefix}${type}/${id}`;
      if (await createIfAbsent(client, key, range.owner, leaseId)) return new EtcdClaim(client, lease, key, id, range);
    }
  } catch (err) {
    lease.release();
    client.close();
    throw new RpcError('unavailable', `allocating a ${type} server id: ${(err as Error).message}`, { cause: err });
  }
  await lease.revoke().catch(() => undefined);
  client.close();
  throw exhausted(type, range);
}

async function createIfAbsent(client: Etcd3, key: string, owner: string, leaseId: string): Promise<boolean> {
  const res = await client.if(key, 'Create', '==', 0).then(client.put(key).value(owner).lease(leaseId)).commit();
  return res.succeeded;
}

class EtcdClaim implements ServerIdLease {
  readonly id: number;
  readonly #client: Etcd3;
  readonly #key: string;
  readonly #range: Range;
  #lease: Lease;
  #released = false;
  readonly #stopping = new AbortController();

  constructor(client: Etcd3, lease: Lease, key: string, id: number, range: Range) {
    this.id = id;
    this.#client = client;
    this.#key = key;
    this.#range = range;
    this.#lease = lease;
    this.#watchLease(lease);
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#stopping.abort();
    await this.#lease.revoke().catch((err: unknown) => this.#range.logger.warn({ err, key: this.#key }, 'could not revoke the server id lease; it lapses after its TTL'));
    this.#client.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  #watchLease(lease: Lease): void {
    lease.removeAllListeners('lost');
    lease.on('lost', (err) => {
      if (this.#released || lease !== this.#lease) return;
      this.#range.logger.warn({ err: err.message, key: this.#key }, 'server id lease lost; claiming the id again');
      void this.#reclaim();
    });
  }

  /** New lease; re-create the key if absent, or move it to the new lease if it is still ours. */
  async #reclaim(): Promise<void> {
    const { logger, owner, ttlSec } = this.#range;
    for (let delay = 100; !this.#released; delay = Math.min(delay * 2, 1000)) {
      const lease = this.#client.lease(ttlSec);
      lease.on('lost', () => undefined);
      try {
        const leaseId = await lease.grant();
        const held = await this.#client.get(this.#key).string();
        if (held !== null && held !== owner) {
          logger.error({ key: this.#key }, 'server id now held by another process: two servers share this id');
        } else if (held === owner) {
          await this.#client.put(this.#key).value(owner).lease(leaseId);
        } else if (!(await createIfAbsent(this.#client, this.#key, owner, leaseId))) {
          lease.release(); // taken between our read and our write: look again
          continue;
        }
        this.#lease = lease;
        this.#watchLease(lease);
        return;
      } catch (err) {
        lease.release();
        logger.debug({ err: (err as Error).message }, 'server id reclaim failed; retrying');
        await sleep(delay, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
      }
    }
  }
}
