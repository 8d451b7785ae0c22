import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3, type IKeyValue, type IOptions, type Lease, type Watcher } from 'etcd3';
import pino, { type Logger } from 'pino';
import { RpcError } from '../rpc/errors.js';
import { ConfigError } from '../wire/errors.js';
import type { Discovery, MembershipListener } from './discovery.js';
import { isServerInfo, type ServerInfo } from './server-info.js';
import { assertServerInfo } from './static-discovery.js';

/** Options of {@link EtcdDiscovery}. */
export interface EtcdDiscoveryOptions {
  /** etcd client URLs, e.g. `['http://127.0.0.1:2379']`. Required, at least one. */
  endpoints: readonly string[];
  /** Key prefix servers register under (`prefix + id`); must end with '/'. Default '/switchyard/servers/'. */
  prefix?: string;
  /** Lease TTL in seconds: how long a server that died stays listed. Default 10. */
  ttlSec?: number;
  /** Deadline of each unary etcd call in ms, so a silent etcd cannot hang a call. Default 5000. */
  callTimeoutMs?: number;
  /** Default: pino at SWITCHYARD_LOG_LEVEL (info). */
  logger?: Logger;
}

type WatchBackoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/** Watch reconnect delays: 100 ms doubling to 1 s. etcd3's default grows to 30 s and never resets. */
function watchBackoff(ms = 100): WatchBackoff {
  return { duration: ms, next: () => watchBackoff(Math.min(ms * 2, 1000)) };
}

/** Rejects endpoint lists etcd3 could not dial, with a ConfigError naming the option. */
export function checkEndpoints(endpoints: unknown, where: string): readonly string[] {
  if (!Array.isArray(endpoints) || endpoints.length === 0) throw new ConfigError(`${where}: endpoints must be a non-empty array of URLs`);
  for (const e of endpoints) {
    let url: URL | undefined;
    try {
      url = typeof e === 'string' ? new URL(e) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.port) {
      throw new ConfigError(`${where}: endpoint ${JSON.stringify(e)} is not an http(s)://host:port URL`);
    }
  }
  return [...(endpoints as string[])];
}

/** An etcd3 client whose unary calls have a deadline and whose watches reconnect within a second. */
export function createEtcdClient(endpoints: readonly string[], callTimeoutMs = 5000): Etcd3 {
  return new Etcd3({
    hosts: [...endpoints],
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    faultHandling: { watchBackoff: watchBackoff() },
  });
}

/** The ServerInfo in an etcd value, copied field by field, or undefined when malformed. */
function parseServerInfo(value: Buffer, id: string): ServerInfo | undefined {
  let v: unknown;
  try {
    v = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isServerInfo(v) || v.id !== id) return undefined;
  const { type, host, port, frontend, services, clientPorts } = v;
  const info: ServerInfo = { id, type, host, port, frontend, services: Object.freeze([...services]) };
  return Object.freeze(clientPorts ? { ...info, clientPorts: { ...clientPorts } } : info);
}

/**
 * Discovery through etcd: each server puts `prefix + id` → JSON ServerInfo under a lease it keeps
 * alive, and watches the prefix. A server that stops revokes its lease (others see it leave at
 * once); one that dies is dropped by etcd when its lease lapses (within `ttlSec`). While etcd is
 * unreachable the last known membership stays in force; when it returns, the watch resumes and a
 * server whose lease was lost registers again under a new one.
 */
export class EtcdDiscovery implements Discovery {
  readonly #endpoints: readonly string[];
  readonly #prefix: string;
  readonly #ttlSec: number;
  readonly #callTimeoutMs: number;
  readonly #logger: Logger;
  readonly #listeners = new Set<MembershipListener>();
  readonly #stopping = new AbortController();
  #state: 'idle' | 'starting' | 'started' | 'stopped' = 'idle';
  #client: Etcd3 | undefined;
  #self: ServerInfo | undefined;
  #lease: Lease | undefined;
  #reregistering = false;
  #watcher: Watcher | undefined;
  #watchDown = false;
  /** Other servers by id, as of etcd revision `#revision`. */
  #others = new Map<string, ServerInfo>();
  #revision = 0;
  #members: readonly ServerInfo[] = [];

  constructor(options: EtcdDiscoveryOptions) {
    this.#endpoints = checkEndpoints(options?.endpoints, 'EtcdDiscovery');
    this.#prefix = options.prefix ?? '/switchyard/servers/';
    if (typeof this.#prefix !== 'string' || !this.#prefix.endsWith('/')) throw new ConfigError('EtcdDiscovery: prefix must be a string ending with "/"');
    this.#ttlSec = options.ttlSec ?? 10;
    if (!Number.isInteger(this.#ttlSec) || this.#ttlSec < 1) throw new ConfigError('EtcdDiscovery: ttlSec must be an integer >= 1');
    this.#callTimeoutMs = options.callTimeoutMs ?? 5000;
    if (!(this.#callTimeoutMs > 0)) throw new ConfigError('EtcdDiscovery: callTimeoutMs must be > 0');
    this.#logger = options.logger ?? pino({ name: 'switchyard:etcd-discovery', level: process.env.SWITCHYARD_LOG_LEVEL ?? 'info' });
  }

  /** Registers `self` under a lease, loads the prefix and watches it. Fails with `unavailable` if etcd cannot be reached. */
  async start(self: ServerInfo): Promise<void> {
    if (this.#state !== 'idle') throw new ConfigError('EtcdDiscovery: start() called twice');
    assertServerInfo(self, 'EtcdDiscovery.start(self)');
    this.#state = 'starting';
    this.#self = self;
    this.#members = Object.freeze([self]);
    this.#client = createEtcdClient(this.#endpoints, this.#callTimeoutMs);
    try {
      await this.#register();
      await this.#load();
      await this.#watch();
    } catch (err) {
      await this.stop();
      throw new RpcError('unavailable', `etcd at ${this.#endpoints.join(', ')} cannot be reached: ${(err as Error).message}`, { cause: err });
    }
    this.#state = 'started';
  }

  members(): readonly ServerInfo[] {
    return this.#members;
  }

  subscribe(listener: MembershipListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Revokes the lease (others drop this server at once), stops watching and closes the client. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#stopping.abort();
    this.#listeners.clear();
    await this.#watcher?.cancel().catch(() => undefined);
    this.#watcher = undefined;
    const lease = this.#lease;
    this.#lease = undefined;
    await lease?.revoke().catch((err: unknown) => this.#logger.warn({ err }, 'could not revoke the etcd lease; it will lapse'));
    this.#client?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  get #key(): string {
    return this.#prefix + this.#self!.id;
  }

  /** Grants a lease and puts our key under it; etcd3 keeps the lease alive. */
  async #register(): Promise<void> {
    const lease = this.#client!.lease(this.#ttlSec);
    this.#lease = lease;
    lease.on('lost', (err) => this.#onLeaseLost(lease, err));
    try {
      await lease.put(this.#key).value(JSON.stringify(this.#self));
    } catch (err) {
      lease.release();
      if (this.#lease === lease) this.#lease = undefined;
      throw err;
    }
  }

  #onLeaseLost(lease: Lease, err: Error): void {
    if (lease !== this.#lease || this.#state !== 'started' || this.#reregistering) return;
    this.#logger.warn({ err: err.message, key: this.#key }, 'etcd lease lost; registering again');
    this.#lease = undefined;
    void this.#reregister();
  }

  /** Retries registration (new lease + put) until it succeeds or we stop. */
  async #reregister(): Promise<void> {
    this.#reregistering = true;
    let delay = 100;
    try {
      while (this.#state === 'started') {
        try {
          await this.#register();
          this.#logger.info({ key: this.#key }, 'registered in etcd again');
          return;
        } catch (err) {
          this.#logger.debug({ err: (err as Error).message }, 'etcd registration failed; retrying');
          await sleep(delay, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
          delay = Math.min(delay * 2, 1000);
        }
      }
    } finally {
      this.#reregistering = false;
    }
  }

  /** Puts our key again under the current lease (someone deleted it while our lease lives). */
  #reassert(): void {
    const lease = this.#lease;
    if (!lease || this.#reregistering || this.#state !== 'started') return;
    this.#logger.warn({ key: this.#key }, 'our registration was deleted from etcd; putting it back');
    lease
      .put(this.#key)
      .value(JSON.stringify(this.#self))
      .catch((err: unknown) => this.#logger.warn({ err }, 'could not put our registration back'));
  }

  /** Replaces the membership with a snapshot of the prefix, unless the watch is already past it. */
  async #load(): Promise<void> {
    const res = await this.#client!.getAll().prefix(this.#prefix).exec();
    const revision = Number(res.header.revision);
    if (revision < this.#revision) return;
    const next = new Map<string, ServerInfo>();
    for (const kv of res.kvs) {
      const id = kv.key.toString('utf8').slice(this.#prefix.length);
      const info = this.#parse(kv, id);
      if (info && id !== this.#self!.id) next.set(id, info);
    }
    this.#revision = revision;
    if (!sameMembers(this.#others, next)) {
      this.#others = next;
      this.#publish();
    }
  }

  /** Watches the prefix from just after the loaded revision; resyncs after each reconnect. */
  async #watch(): Promise<void> {
    const watcher = this.#client!.watch().prefix(this.#prefix).startRevision(String(this.#revision + 1)).watcher();
    this.#watcher = watcher;
    watcher.on('put', (kv) => this.#onChange(kv, 'put'));
    watcher.on('delete', (kv) => this.#onChange(kv, 'delete'));
    try {
      await new Promise<void>((resolve, reject) => {
        watcher.once('connected', () => resolve());
        watcher.once('error', reject);
      });
    } catch (err) {
      this.#watcher = undefined;
      await watcher.cancel().catch(() => undefined);
      throw err;
    }
    watcher.on('disconnected', (err) => {
      if (!this.#watchDown) this.#logger.warn({ err: err.message }, 'etcd watch disconnected; keeping the last known membership');
      this.#watchDown = true;
    });
    watcher.on('connected', () => {
      if (!this.#watchDown) return;
      this.#watchDown = false;
      this.#logger.info('etcd watch reconnected');
      this.#load().catch((err: unknown) => this.#logger.warn({ err }, 'etcd resync failed'));
    });
    watcher.on('error', (err) => {
      this.#logger.warn({ err: err.message }, 'etcd watch cancelled; watching again');
      void this.#rewatch(watcher);
    });
  }

  /** After etcd cancelled the watch (e.g. its revision was compacted): reload and watch anew. */
  async #rewatch(old: Watcher): Promise<void> {
    if (this.#watcher !== old) return;
    this.#watcher = undefined;
    await old.cancel().catch(() => undefined);
    while (this.#state === 'started') {
      try {
        this.#revision = 0;
        await this.#load();
        await this.#watch();
        return;
      } catch (err) {
        this.#logger.debug({ err: (err as Error).message }, 'etcd rewatch failed; retrying');
        await sleep(1000, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
      }
    }
  }

  #onChange(kv: IKeyValue, kind: 'put' | 'delete'): void {
    const revision = Number(kv.mod_revision);
    // Strictly older only: the events of one transaction share a revision.
    if (this.#state === 'stopped' || revision < this.#revision) return;
    this.#revision = revision;
    const id = kv.key.toString('utf8').slice(this.#prefix.length);
    if (id === this.#self!.id) {
      if (kind === 'delete') this.#reassert();
      else if (kv.value.toString('utf8') !== JSON.stringify(this.#self)) this.#logger.error({ key: this.#key }, 'another server registered with our id');
      return;
    }
    const info = kind === 'put' ? this.#parse(kv, id) : undefined;
    const had = this.#others.has(id);
    if (info) this.#others.set(id, info);
    else this.#others.delete(id);
    if (info || had) this.#publish();
  }

  #parse(kv: IKeyValue, id: string): ServerInfo | undefined {
    const info = parseServerInfo(kv.value, id);
    if (!info) this.#logger.warn({ key: kv.key.toString('utf8') }, 'ignoring a malformed server registration in etcd');
    return info;
  }

  #publish(): void {
    const others = [...this.#others.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.#members = Object.freeze([...others, this.#self!]);
    for (const listener of this.#listeners) {
      try {
        listener(this.#members);
      } catch (err) {
        this.#logger.error({ err }, 'membership listener threw');
      }
    }
  }
}

function sameMembers(a: ReadonlyMap<string, ServerInfo>, b: ReadonlyMap<string, ServerInfo>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, info] of a) {
    const other = b.get(id);
    if (!other || JSON.stringify(other) !== JSON.stringify(info)) return false;
  }
  return true;
}
