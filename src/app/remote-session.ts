import { CloseHooks, type ClientSession, type SessionCloseHook } from '../gateway/index.js';
import { RpcError } from '../rpc/index.js';
import type { SessionSnapshot, SessionUpdate } from '../cluster/session-snapshot.js';
import { encodeJsonBody } from '../wire/index.js';

/** What a backend's copy of a session needs from the cluster runtime. */
export interface RemoteSessionHost {
  pushToSessions(frontendId: string, sids: readonly string[], route: string, body: Uint8Array): void;
  kick(sid: string, reason: string): void;
  /** Sends changes not carried back by a reply (made in a notify, a timer or after an await). */
  sendUpdate(session: RemoteSession): void;
  logError(err: unknown, what: string): void;
}

/** Called after a copy followed its session to a new id; `from` is the id it had. */
export type SessionMoveHook = (session: RemoteSession, from: string) => void;

/**
 * A backend's copy of a session held by a gateway. Reads come from the last snapshot; writes apply
 * here at once and travel back to the gateway (with the reply, or as an update message). The copy
 * stays authoritative for its own writes: a snapshot is taken only if it is newer.
 */
export class RemoteSession implements ClientSession {
  #id: string;
  #frontendId: string;
  #incarnation: string | undefined;
  #uid: string | undefined;
  #data: Map<string, unknown>;
  #version: number;
  #pending: SessionUpdate | undefined;
  #flushScheduled = false;
  readonly #closeHooks = new CloseHooks();
  /** Those that index the copy by id (cluster groups), told when the id changes; made on first use. */
  #moveHooks: Set<SessionMoveHook> | undefined;
  readonly #host: RemoteSessionHost;

  constructor(snapshot: SessionSnapshot, host: RemoteSessionHost) {
    this.#id = snapshot.id;
    this.#frontendId = snapshot.frontendId;
    this.#incarnation = snapshot.incarnation;
    this.#uid = snapshot.uid;
    this.#data = new Map(Object.entries(snapshot.data));
    this.#version = snapshot.version;
    this.#host = host;
  }

  /** The session's id at its gateway; changes only when the session moves to another gateway. */
  get id(): string {
    return this.#id;
  }

  /** The gateway holding the session. */
  get frontendId(): string {
    return this.#frontendId;
  }

  /** The gateway process the session lives in (as the gateway's snapshots say). */
  get incarnation(): string | undefined {
    return this.#incarnation;
  }

  get uid(): string | undefined {
    return this.#uid;
  }

  /**
   * The session was resumed at another gateway under a new id: this copy follows it, keeping its
   * data, close hooks and pending changes; the next snapshot from the new gateway is taken whatever
   * its version (versions are counted per gateway).
   */
  moved(id: string, frontendId: string, incarnation: string | undefined): void {
    const from = this.#id;
    this.#id = id;
    this.#frontendId = frontendId;
    this.#incarnation = incarnation;
    this.#version = -1;
    if (from !== id && this.#moveHooks) for (const hook of [...this.#moveHooks]) hook(this, from);
  }

  /** Runs `hook` each time this copy's id changes (adding the same hook twice runs it once). */
  onMoved(hook: SessionMoveHook): void {
    (this.#moveHooks ??= new Set()).add(hook);
  }

  /** Stops running `hook` on moves. */
  offMoved(hook: SessionMoveHook): void {
    this.#moveHooks?.delete(hook);
  }

  get closed(): boolean {
    return this.#closeHooks.closed;
  }

  /**
   * Takes a newer snapshot from the gateway; an older one (taken before our writes landed) is
   * ignored, unless it says `resync` (a reply carrying our writes may have been lost on the way).
   */
  sync(snapshot: SessionSnapshot): void {
    if (this.#pending || (snapshot.version <= this.#version && snapshot.resync !== true)) return;
    this.#uid = snapshot.uid;
    this.#data = new Map(Object.entries(snapshot.data));
    this.#version = snapshot.version;
  }

  bind(uid: string): void {
    if (typeof uid !== 'string' || uid === '') throw new RpcError('bad_payload', 'uid must be a non-empty string');
    if (uid === this.#uid) return;
    this.#uid = uid;
    this.#change().uid = uid;
  }

  get<T = unknown>(key: string): T | undefined {
    return this.#data.get(key) as T | undefined;
  }

  set(key: string, value: unknown): void {
    this.#data.set(key, value);
    (this.#change().set ??= {})[key] = value === undefined ? null : value;
  }

  delete(key: string): void {
    if (!this.#data.delete(key)) return;
    (this.#change().set ??= {})[key] = null;
  }

  data(): Record<string, unknown> {
    return Object.fromEntries(this.#data);
  }

  push(route: string, body: unknown): boolean {
    return this.pushBytes(route, encodeJsonBody(body));
  }

  pushBytes(route: string, body: Uint8Array): boolean {
    if (this.#closeHooks.closed) return false;
    this.#host.pushToSessions(this.frontendId, [this.id], route, body);
    return true;
  }

  kick(reason: string): void {
    this.#host.kick(this.id, reason);
  }

  onClose(hook: SessionCloseHook): void {
    this.#closeHooks.add(this, hook);
  }

  offClose(hook: SessionCloseHook): void {
    this.#closeHooks.remove(hook);
  }

  /** Takes the changes made since the last take, as one version (carried by a reply). */
  takeUpdate(): SessionUpdate | undefined {
    const u = this.#pending;
    if (u) {
      this.#pending = undefined;
      this.#version++;
    }
    return u;
  }

  /** The gateway says the session has ended: run the close hooks once. */
  markClosed(reason: string): void {
    this.#closeHooks.run(this, reason, (err) => this.#host.logError(err, 'session close hook failed'));
  }

  /** The pending change, created on first write; unsent changes go by update message next turn. */
  #change(): SessionUpdate {
    if (!this.#pending) this.#pending = {};
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        if (this.#pending && !this.#closeHooks.closed) this.#host.sendUpdate(this);
      });
    }
    return this.#pending;
  }
}
