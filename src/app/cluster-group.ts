import type { BroadcastOptions, ClientSession, SessionGroup } from '../gateway/index.js';
import { encodeJsonBody } from '../wire/index.js';
import { RemoteSession } from './remote-session.js';

/** What a cluster-wide group needs from the cluster runtime. */
export interface ClusterGroupHost {
  /** Adds or removes `sid` in the group held by its gateway. */
  groupOp(frontendId: string, op: 'add' | 'remove', group: string, sid: string): void;
  /** Sends one broadcast message to every gateway; each pushes to the members it holds. */
  groupcast(group: string, route: string, body: Uint8Array, exceptSid: string | undefined): void;
}

/**
 * A group that spans gateways. Membership lives on the gateways that hold the member sessions (so
 * it survives the server that added them and needs no shared store); a broadcast is one message
 * per gateway. `members()`, `has()` and `size` know only the members added through this server.
 */
export class ClusterGroup implements SessionGroup {
  readonly name: string;
  /** Members added here, by object: a backend's copy keeps its place when its session moves to another gateway and changes id. */
  readonly #known = new Set<ClientSession>();
  /** How many known members have each id (kept in step as copies move), so `except: id` is one lookup. */
  readonly #ids = new Map<string, number>();
  readonly #host: ClusterGroupHost;
  readonly #onClosed = (s: ClientSession): void => {
    this.#forget(s);
  };
  readonly #onMoved = (s: RemoteSession, from: string): void => {
    this.#unindex(from);
    this.#index(s.id);
  };

  constructor(name: string, host: ClusterGroupHost) {
    this.name = name;
    this.#host = host;
  }

  get size(): number {
    return this.#known.size;
  }

  /**
   * Always tells the gateway, even for a member known here: the member may have left through
   * another server since (adding twice is harmless on the gateway).
   */
  add(session: ClientSession): boolean {
    if (session.closed) return false;
    if (!this.#known.has(session)) {
      this.#known.add(session);
      this.#index(session.id);
      session.onClose(this.#onClosed);
      if (session instanceof RemoteSession) session.onMoved(this.#onMoved);
    }
    this.#host.groupOp(session.frontendId, 'add', this.name, session.id);
    return true;
  }

  remove(session: ClientSession): void {
    if (this.#forget(session)) session.offClose(this.#onClosed);
    this.#host.groupOp(session.frontendId, 'remove', this.name, session.id);
  }

  has(session: ClientSession): boolean {
    return this.#known.has(session);
  }

  members(): ClientSession[] {
    return [...this.#known.values()];
  }

  broadcast(route: string, body: unknown, options?: BroadcastOptions): number {
    return this.broadcastBytes(route, encodeJsonBody(body), options);
  }

  /** Returns the number of members known here that it was meant for; delivery happens on the gateways. */
  broadcastBytes(route: string, body: Uint8Array, options?: BroadcastOptions): number {
    const except = options?.except;
    const exceptId = typeof except === 'object' ? except.id : except;
    this.#host.groupcast(this.name, route, body, exceptId);
    const excluded = except === undefined ? false : typeof except === 'object' ? this.#known.has(except) : this.#ids.has(except);
    return this.#known.size - (excluded ? 1 : 0);
  }

  clear(): void {
    for (const s of [...this.#known.values()]) this.remove(s);
  }

  /** Drops a known member (not its close hook); false if it was not known. */
  #forget(session: ClientSession): boolean {
    if (!this.#known.delete(session)) return false;
    this.#unindex(session.id);
    if (session instanceof RemoteSession) session.offMoved(this.#onMoved);
    return true;
  }

  #index(id: string): void {
    this.#ids.set(id, (this.#ids.get(id) ?? 0) + 1);
  }

  #unindex(id: string): void {
    const n = this.#ids.get(id) ?? 0;
    if (n <= 1) this.#ids.delete(id);
    else this.#ids.set(id, n - 1);
  }
}
