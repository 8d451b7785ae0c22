/**
 * One Redis server for a whole test file, with a raw ioredis client on it for reading what the
 * code under test wrote. Registers the file's before/after hooks; its accessors are valid from
 * the first test on.
 */
import { after, before } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis, type RedisService } from './services.js';

export interface RedisFixture {
  /** The server, for its url or to stop and restart it. */
  readonly service: RedisService;
  /** `redis://127.0.0.1:<port>` of the server. */
  readonly url: string;
  /** A plain client on the server, disconnected after the file's tests. */
  readonly raw: Redis;
}

/** Starts Redis and a raw client before the file's tests, disconnects and stops them after. */
export function useRedis(): RedisFixture {
  let service: RedisService | undefined;
  let raw: Redis | undefined;
  before(async () => {
    service = await startRedis();
    raw = new Redis(service.url);
  });
  after(async () => {
    raw?.disconnect();
    await service?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useRedis: Redis is not started yet (use it inside a test)');
    return value;
  };
  return {
    get service() {
      return started(service);
    },
    get url() {
      return started(service).url;
    },
    get raw() {
      return started(raw);
    },
  };
}
