import { RpcError } from '../rpc/errors.js';
import { CloseHooks } from './close-hooks.js';
import { encodeJsonBody, encodeMessagePacket, MessageType } from '../wire/index.js';
import type { ResumeState } from './resume-state.js';

/** What a session needs from the connection beneath it. */
export interface SessionLink {
  /** Queues an encoded packet for the client; false when the connection is gone. */
  send(packet: Uint8Array): boolean;
  /** Sends a kick packet with a reason, then closes. */
  kick(reason: string): void;
  /** Client negotiated flag 0x20 on error responses. */
  readonly errorFlag: boolean;
  readonly open: boolean;
  /** Route code for compressed pushes, if the handshake dictionary has one. */
  routeCode(route: string): number | undefined;
  /** Counts a push on `route` (metrics). */
  countPush(route: string): void;
}

/** Called once when a session ends, with why. */
export type SessionCloseHook = (session: ClientSession, reason: string) => void;

/**
 * What handlers see of a client's session, wherever it is held: the gateway's own {@link Session},
 * or a backend's copy of it in a cluster. Handler code written against this runs in both.
 */
export interface ClientSession {
  /** Unique across the cluster and its restarts: `<frontendId>-<process tag>-<counter>`. */
  readonly id: string;
  /** Id of the gateway holding the connection. */
  readonly frontendId: string;
  /** The bound user id, once authenticated. */
  readonly uid: string | undefined;
  readonly closed: boolean;
  /** Binds a user id: the session counts as authenticated from now on. */
  bind(uid: string): void;
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  /** A copy of the key/value data. */
  data(): Record<string, unknown>;
  /** Pushes a JSON body on `route`; false when the client is known to be gone. */
  push(route: string, body: unknown): boolean;
  /** Pushes an already-encoded body (JSON or IDL binary) on `route`. */
  pushBytes(route: string, body: Uint8Array): boolean;
  /** Tells the client why, then closes its connection. */
  kick(reason: string): void;
  /** Runs `hook` when the session ends (at once if it already has). */
  onClose(hook: SessionCloseHook): void;
  offClose(hook: SessionCloseHook): void;
}

/** Where a request's answer goes: the session itself on a gateway, a forwarding reply on a backend. */
export interface ReplySink {
  respond(id: number, body: Uint8Array): void;
  respondError(id: number, err: RpcError): void;
}

/** Called when a session binds a user id, so the gateway can index it (and kick older logins). */
export type BindHook = (session: Session, uid: string, previous: string | undefined) => void;

/**
 * One client's session on a gateway: its id, the user bound to it, key/value data, and the way
 * to push to it. Handlers see this object (or its remote twin in a cluster).
 */
export class Session implements ClientSession, ReplySink {
  /** Unique across the cluster and its restarts: `<serverId>-<process tag>-<counter>`. */
  readonly id: string;
  /** Id of the gateway holding the connection. */
  readonly frontendId: string;
  #remoteAddress: string;
  #uid: string | undefined;
  /** Key/value data, created on the first write: many sessions never store any. */
  #data: Map<string, unknown> | undefined;
  readonly #closeHooks = new CloseHooks();
  #version = 0;
  #link: SessionLink;
  #resume: ResumeState | undefined;
  readonly #onBind: BindHook;

  constructor(id: string, frontendId: string, remoteAddress: string, link: SessionLink, onBind: BindHook) {
    this.id = id;
    this.frontendId = frontendId;
    this.#remoteAddress = remoteAddress;
    this.#link = link;
    this.#onBind = onBind;
  }

  /** Address of the client's current (or last) connection. */
  get remoteAddress(): string {
    return this.#remoteAddress;
  }

  /** Resume token, pushes kept for replay and groups, when the client negotiated resume. */
  get resume(): ResumeState | undefined {
    return this.#resume;
  }

  /** Makes the session resumable (gateway use: the client asked for it in its handshake). */
  enableResume(state: ResumeState): void {
    this.#resume = state;
  }

  /** Whether `link` is what the session sends through now. */
  linkedTo(link: SessionLink): boolean {
    return this.#link === link;
  }

  /** Moves the session onto another link: a new connection on resume, or a parked stand-in (gateway use). */
  attach(link: SessionLink, remoteAddress = this.#remoteAddress): void {
    this.#link = link;
    this.#remoteAddress = remoteAddress;
  }

  /** The bound user id, once authenticated. */
  get uid(): string | undefined {
    return this.#uid;
  }

  get closed(): boolean {
    return this.#closeHooks.closed;
  }

  /** Bumped on every change of uid or data, so copies of the session can tell they are stale. */
  get version(): number {
    return this.#version;
  }

  /** Binds a user id: the session counts as authenticated from now on. */
  bind(uid: string): void {
    if (typeof uid !== 'string' || uid === '') throw new RpcError('bad_payload', 'uid must be a non-empty string');
    if (this.#uid === uid) return;
    this.#changed();
    this.#setUid(uid);
  }

  #setUid(uid: string): void {
    const previous = this.#uid;
    this.#uid = uid;
    this.#onBind(this, uid, previous);
  }

  /** A new version of uid or data; a resumable session also tells the shared store. */
  #changed(): void {
    this.#version++;
    this.#resume?.changed();
  }

  /** Records joining or leaving a group, for the resumable state (gateway use: called by Group). */
  noteGroup(name: string, member: boolean): void {
    const r = this.#resume;
    if (!r || r.groups.has(name) === member) return;
    if (member) r.groups.add(name);
    else r.groups.delete(name);
    r.changed();
  }

  get<T = unknown>(key: string): T | undefined {
    return this.#data?.get(key) as T | undefined;
  }

  set(key: string, value: unknown): void {
    (this.#data ??= new Map()).set(key, value);
    this.#changed();
  }

  delete(key: string): void {
    if (this.#data?.delete(key)) this.#changed();
  }

  /**
   * Applies a change made by a backend's copy of this session, as one new version: data keys set
   * (a value of `null` deletes) and the user id bound.
   */
  applyUpdate(update: { uid?: string; set?: Record<string, unknown> }): void {
    if (update.set) {
      for (const [k, v] of Object.entries(update.set)) {
        if (v === null) this.#data?.delete(k);
        else (this.#data ??= new Map()).set(k, v);
      }
    }
    this.#changed();
    if (typeof update.uid === 'string' && update.uid !== '' && update.uid !== this.#uid) this.#setUid(update.uid);
  }

  /** A copy of the key/value data (what a cluster forwards to backends). */
  data(): Record<string, unknown> {
    return this.#data ? Object.fromEntries(this.#data) : {};
  }

  /** Pushes a JSON body on `route`; false when the client is gone. */
  push(route: string, body: unknown): boolean {
    return this.pushBytes(route, encodeJsonBody(body));
  }

  /** Pushes an already-encoded body (JSON or IDL binary) on `route`. */
  pushBytes(route: string, body: Uint8Array): boolean {
    const routeCode = this.#link.routeCode(route);
    this.#link.countPush(route);
    return this.sendPacket(encodeMessagePacket({ type: MessageType.Push, route, routeCode, body }));
  }

  /**
   * Sends an encoded push packet (a group encodes a broadcast once for all members). Hot path: a
   * session without resume pays one branch. A resumable one numbers and keeps the push first, so
   * it is true even while the client is away: the push waits for it in the replay buffer.
   */
  sendPacket(packet: Uint8Array): boolean {
    const r = this.#resume;
    if (r === undefined) return this.#link.send(packet);
    r.replay.add(packet);
    this.#link.send(packet);
    return !this.#closeHooks.closed;
  }

  /** Answers request `id` with an encoded body. */
  respond(id: number, body: Uint8Array): void {
    this.#link.send(encodeMessagePacket({ type: MessageType.Response, id, body }));
  }

  /**
   * Answers request `id` with an error. Clients that negotiated flag 0x20 get `{code, message}`
   * under that flag; others (plain pomelo) get `{code: 500, error, message}` as a normal response.
   */
  respondError(id: number, err: RpcError): void {
    if (this.#link.errorFlag) {
      const body = encodeJsonBody(err.toJSON());
      this.#link.send(encodeMessagePacket({ type: MessageType.Response, id, body, error: true }));
      return;
    }
    this.respond(id, encodeJsonBody({ code: 500, error: err.code, message: err.message }));
  }

  /** Tells the client why, then closes its connection. */
  kick(reason: string): void {
    this.#link.kick(reason);
  }

  /** Runs `hook` when the session ends (at once if it already has). */
  onClose(hook: SessionCloseHook): void {
    this.#closeHooks.add(this, hook);
  }

  /** Removes a hook added with {@link onClose}. */
  offClose(hook: SessionCloseHook): void {
    this.#closeHooks.remove(hook);
  }

  /** Marks the session ended and runs its close hooks once; a throwing hook does not stop the others. */
  markClosed(reason: string, onHookError: (err: unknown) => void): void {
    this.#closeHooks.run(this, reason, onHookError);
  }
}
