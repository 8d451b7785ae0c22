import pino, { type Logger } from 'pino';
import { ConfigError } from '../wire/errors.js';
import type { Discovery, MembershipListener } from './discovery.js';
import { isServerInfo, type ServerInfo } from './server-info.js';

/** Options of {@link StaticDiscovery}. */
export interface StaticDiscoveryOptions {
  /** Where a failing membership listener is reported. Default: pino at SWITCHYARD_LOG_LEVEL (info). */
  logger?: Logger;
}

/** Checks a ServerInfo from config: its shape, and an id without '/', '-' or whitespace. */
export function assertServerInfo(info: unknown, where: string): asserts info is ServerInfo {
  if (!isServerInfo(info)) throw new ConfigError(`${where}: not a ServerInfo {id, type, host, port, frontend, services}`);
  if (/[/\-\s]/.test(info.id)) throw new ConfigError(`${where}: server id "${info.id}" must not contain '/', '-' or whitespace`);
}

/**
 * Membership from a fixed list (embedded mode, or a cluster laid out in config): no store, no
 * leases. `setMembers()` replaces the list, so a config-file watcher can feed it.
 */
export class StaticDiscovery implements Discovery {
  #configured: readonly ServerInfo[];
  #self: ServerInfo | undefined;
  #members: readonly ServerInfo[] = [];
  readonly #listeners = new Set<MembershipListener>();
  readonly #logger: Logger;

  constructor(members: readonly ServerInfo[], options: StaticDiscoveryOptions = {}) {
    this.#configured = checkList(members);
    this.#members = this.#configured;
    this.#logger = options.logger ?? pino({ name: 'switchyard:static-discovery', level: process.env.SWITCHYARD_LOG_LEVEL ?? 'info' });
  }

  /** Adds `self` to the configured list (replacing an entry with its id) and tells listeners. */
  async start(self: ServerInfo): Promise<void> {
    assertServerInfo(self, 'StaticDiscovery.start(self)');
    this.#self = self;
    this.#rebuild();
  }

  members(): readonly ServerInfo[] {
    return this.#members;
  }

  subscribe(listener: MembershipListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Replaces the configured list (self stays) and tells listeners. Throws ConfigError on a bad list. */
  setMembers(members: readonly ServerInfo[]): void {
    this.#configured = checkList(members);
    this.#rebuild();
  }

  async stop(): Promise<void> {
    this.#listeners.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #rebuild(): void {
    const self = this.#self;
    const others = self ? this.#configured.filter((m) => m.id !== self.id) : [...this.#configured];
    this.#members = Object.freeze(self ? [...others, self] : others);
    for (const listener of this.#listeners) {
      try {
        listener(this.#members);
      } catch (err) {
        this.#logger.error({ err }, 'membership listener threw');
      }
    }
  }
}

function checkList(members: readonly ServerInfo[]): readonly ServerInfo[] {
  if (!Array.isArray(members)) throw new ConfigError('StaticDiscovery: members must be an array of ServerInfo');
  const seen = new Set<string>();
  members.forEach((m, i) => {
    assertServerInfo(m, `StaticDiscovery: members[${i}]`);
    if (seen.has(m.id)) throw new ConfigError(`StaticDiscovery: server id "${m.id}" listed twice`);
    seen.add(m.id);
  });
  return Object.freeze([...members]);
}
