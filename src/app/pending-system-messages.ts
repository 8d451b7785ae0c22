import type { Logger } from 'pino';
import type { ServerInfo } from '../cluster/server-info.js';
import type { OperationRef } from '../rpc/index.js';
import { ConfigError } from '../wire/index.js';

/** How system messages to a server not (yet) in the membership are held. */
export interface PendingSystemMessagesOptions {
  /** How long a message waits for its server to appear in the membership, in ms; 0 holds none. Default 10000. */
  holdMs?: number;
  /** Most messages held for one server; newer ones are dropped. Default 10000. */
  maxMessages?: number;
  /** Most bytes (message arguments) held for one server; newer ones are dropped. Default 4 MiB. */
  maxBytes?: number;
  /** Most servers messages are held for at once; a message to one more is dropped. Default 64. */
  maxServers?: number;
}

/** Why held system messages were dropped (the `reason` label of `switchyard_system_messages_dropped_total`). */
export type SystemMessageDropReason = 'expired' | 'queue_full' | 'stopped';

/** Where held messages go, and who is told about drops. */
export interface PendingSystemMessagesHost {
  /** Sends one message to a server now in the membership (in the order they were held). */
  send(server: ServerInfo, op: OperationRef, args: Uint8Array): void;
  /** `count` messages were dropped. */
  dropped(reason: SystemMessageDropReason, count: number): void;
}

/** The defaults, as the cluster config documents them. */
export const PENDING_SYSTEM_MESSAGES_DEFAULTS: Readonly<Required<PendingSystemMessagesOptions>> = Object.freeze({
  holdMs: 10_000,
  maxMessages: 10_000,
  maxBytes: 4 * 1024 * 1024,
  maxServers: 64,
});

/** Checks options given in code (the cluster config file is checked by `parseClusterConfig`). */
export function checkPendingSystemMessagesOptions(o: PendingSystemMessagesOptions = {}): Required<PendingSystemMessagesOptions> {
  const d = PENDING_SYSTEM_MESSAGES_DEFAULTS;
  const int = (key: keyof PendingSystemMessagesOptions, min: number, max: number): number => {
    const v = o[key] ?? d[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(`systemMessages.${key} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  return {
    holdMs: int('holdMs', 0, 600_000),
    maxMessages: int('maxMessages', 1, 1_000_000),
    maxBytes: int('maxBytes', 1, 1024 * 1024 * 1024),
    maxServers: int('maxServers', 1, 100_000),
  };
}

interface Held {
  readonly op: OperationRef;
  readonly args: Uint8Array;
  /** Order across every queue, so broadcasts held before the membership was known merge in place. */
  readonly seq: number;
  readonly deadline: number;
}

interface Queue {
  items: Held[];
  /** Index of the first item still held (items before it were sent or dropped). */
  head: number;
  bytes: number;
  /** Messages meant for a gateway were held for it, so broadcasts to every gateway are held for it too. */
  gateway: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Messages refused since it was created, because it was full. */
  refused: number;
}

/** Pseudo server id under which broadcasts wait until the first membership says which gateways exist. */
const EVERY_GATEWAY = '*';

/**
 * System messages (pushes, kicks, session updates, group changes, close notices) to servers not
 * (yet) in this server's membership. A backend that has just started answers forwarded calls
 * before discovery has told it of the gateway that sent them; what its handlers send back to that
 * gateway waits here, per server and in order, and goes as soon as the membership lists the server.
 * A message is held at most `holdMs`; past that, or past a queue's limits, it is dropped, logged
 * and counted. Broadcasts to every gateway made before the first membership wait for it, then go
 * to each gateway it lists; later ones also join the queue of each gateway that has messages held.
 */
export class PendingSystemMessages {
  readonly #options: Required<PendingSystemMessagesOptions>;
  readonly #host: PendingSystemMessagesHost;
  readonly #logger: Logger;
  readonly #queues = new Map<string, Queue>();
  #seq = 0;
  /** Set by the first {@link release}: from then on the membership says which gateways exist. */
  #membershipKnown = false;
  #stopped = false;

  constructor(host: PendingSystemMessagesHost, logger: Logger, options: PendingSystemMessagesOptions = {}) {
    this.#options = checkPendingSystemMessagesOptions(options);
    this.#host = host;
    this.#logger = logger;
  }

  /** How long a message is held at most, in ms (0: never held). */
  get holdMs(): number {
    return this.#options.holdMs;
  }

  /** Whether a broadcast to every gateway must also be held (see {@link holdForGateways}); cheap, for the hot path. */
  get holdsBroadcasts(): boolean {
    if (!this.#membershipKnown) return true;
    for (const q of this.#queues.values()) if (q.gateway) return true;
    return false;
  }

  /** Holds a message to server `id`, absent from the membership; `gateway` when the message is for a gateway. */
  hold(id: string, op: OperationRef, args: Uint8Array, gateway: boolean): void {
    if (this.#stopped || this.#options.holdMs === 0) {
      this.#drop(id, this.#stopped ? 'stopped' : 'expired', [op.route], 1);
      return;
    }
    const q = this.#queueFor(id, op);
    if (!q) return;
    if (gateway) q.gateway = true;
    this.#push(id, q, op, args, this.#seq++);
  }

  /**
   * Holds a broadcast meant for every gateway: before the first membership for each gateway it
   * will list, after it for each gateway (absent from the membership) that has messages held.
   */
  holdForGateways(op: OperationRef, args: Uint8Array): void {
    if (this.#stopped || this.#options.holdMs === 0) {
      // After the first membership nothing is held for any gateway here: the broadcast went to all.
      if (!this.#membershipKnown) this.#drop(EVERY_GATEWAY, this.#stopped ? 'stopped' : 'expired', [op.route], 1);
      return;
    }
    const seq = this.#seq++;
    if (!this.#membershipKnown) {
      const q = this.#queueFor(EVERY_GATEWAY, op);
      if (q) this.#push(EVERY_GATEWAY, q, op, args, seq);
      return;
    }
    for (const [id, q] of this.#queues) if (q.gateway) this.#push(id, q, op, args, seq);
  }

  /**
   * The membership is now `members`: what is held for any of them is sent, in order, before
   * anything newer. The first call also hands the broadcasts held until then to every member
   * `isGateway` accepts (and to each absent gateway with messages held).
   */
  release(members: Iterable<ServerInfo>, isGateway: (m: ServerInfo) => boolean): void {
    const first = !this.#membershipKnown;
    this.#membershipKnown = true;
    const everyGateway = first ? this.#take(EVERY_GATEWAY) : [];
    const present = new Set<string>();
    for (const m of members) {
      present.add(m.id);
      const own = this.#take(m.id);
      const toSend = everyGateway.length > 0 && isGateway(m) ? merge(own, everyGateway) : own;
      if (toSend.length === 0) continue;
      if (own.length > 0) {
        this.#logger.info({ server: m.id, messages: own.length, waitedMs: Date.now() - (own[0]!.deadline - this.#options.holdMs) }, 'held system messages sent to a server now in the membership');
      }
      for (const h of toSend) this.#host.send(m, h.op, h.args);
    }
    if (everyGateway.length === 0) return;
    // Gateways known only from the messages held for them get the early broadcasts in place too.
    for (const [id, q] of this.#queues) {
      if (!q.gateway || present.has(id)) continue;
      const items = merge(q.items.slice(q.head), everyGateway);
      q.items = items;
      q.head = 0;
      q.bytes = items.reduce((n, h) => n + h.args.byteLength, 0);
      this.#arm(id, q);
    }
  }

  /** Drops everything held (the server is stopping) and holds nothing more. */
  stop(): void {
    this.#stopped = true;
    for (const id of [...this.#queues.keys()]) {
      const items = this.#take(id);
      if (items.length > 0) this.#drop(id, 'stopped', routesOf(items), items.length);
    }
  }

  #queueFor(id: string, op: OperationRef): Queue | undefined {
    let q = this.#queues.get(id);
    if (q) return q;
    if (this.#queues.size >= this.#options.maxServers) {
      this.#drop(id, 'queue_full', [op.route], 1, `messages are already held for ${this.#queues.size} servers (systemMessages.maxServers)`);
      return undefined;
    }
    q = { items: [], head: 0, bytes: 0, gateway: false, timer: undefined, refused: 0 };
    this.#queues.set(id, q);
    this.#logger.info({ server: id, route: op.route, holdMs: this.#options.holdMs }, 'system messages held for a server not in the membership yet');
    return q;
  }

  #push(id: string, q: Queue, op: OperationRef, args: Uint8Array, seq: number): void {
    const held = q.items.length - q.head;
    if (held >= this.#options.maxMessages || q.bytes + args.byteLength > this.#options.maxBytes) {
      // Newer messages go, so what is held stays a prefix of what was sent, in order.
      if (q.refused++ === 0) {
        this.#drop(id, 'queue_full', [op.route], 1, `${held} messages, ${q.bytes} bytes held (systemMessages.maxMessages ${this.#options.maxMessages}, maxBytes ${this.#options.maxBytes})`);
      } else {
        this.#host.dropped('queue_full', 1);
      }
      return;
    }
    q.items.push({ op, args, seq, deadline: Date.now() + this.#options.holdMs });
    q.bytes += args.byteLength;
    if (q.timer === undefined) this.#arm(id, q);
  }

  /** Sets the queue's timer for its oldest message's deadline. */
  #arm(id: string, q: Queue): void {
    if (q.timer !== undefined) clearTimeout(q.timer);
    q.timer = undefined;
    const oldest = q.items[q.head];
    if (!oldest) return;
    q.timer = setTimeout(() => this.#expire(id, q), Math.max(0, oldest.deadline - Date.now()));
    q.timer.unref();
  }

  #expire(id: string, q: Queue): void {
    q.timer = undefined;
    if (this.#queues.get(id) !== q) return;
    const now = Date.now();
    const start = q.head;
    while (q.head < q.items.length && q.items[q.head]!.deadline <= now) {
      q.bytes -= q.items[q.head]!.args.byteLength;
      q.head++;
    }
    const expired = q.items.slice(start, q.head);
    if (q.head === q.items.length) {
      this.#remove(id, q);
    } else {
      if (q.head > 1024 && q.head * 2 > q.items.length) {
        q.items = q.items.slice(q.head);
        q.head = 0;
      }
      this.#arm(id, q);
    }
    if (expired.length > 0) {
      const where = id === EVERY_GATEWAY ? 'no membership yet' : `not in the membership for ${this.#options.holdMs} ms`;
      this.#drop(id, 'expired', routesOf(expired), expired.length, where);
    }
  }

  /** Removes server `id`'s queue and answers what it held, oldest first. */
  #take(id: string): Held[] {
    const q = this.#queues.get(id);
    if (!q) return [];
    this.#remove(id, q);
    return q.head === 0 ? q.items : q.items.slice(q.head);
  }

  #remove(id: string, q: Queue): void {
    this.#queues.delete(id);
    if (q.timer !== undefined) clearTimeout(q.timer);
    q.timer = undefined;
    if (q.refused > 1) {
      this.#logger.warn({ server: id, reason: 'queue_full', messages: q.refused }, 'system messages to an unknown server dropped while its queue was full');
    }
  }

  #drop(id: string, reason: SystemMessageDropReason, routes: string[], count: number, why?: string): void {
    this.#host.dropped(reason, count);
    this.#logger.warn({ server: id, reason, messages: count, routes, why }, 'system message to an unknown server dropped');
  }
}

/** Two lists in `seq` order merged into one. */
function merge(a: Held[], b: Held[]): Held[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: Held[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.seq < b[j]!.seq)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** The distinct routes of `items` (at most 8), for the log. */
function routesOf(items: readonly Held[]): string[] {
  const routes = new Set<string>();
  for (const h of items) {
    routes.add(h.op.route);
    if (routes.size === 8) break;
  }
  return [...routes];
}
