import type { RpcError } from '../rpc/errors.js';

/** Receives the JSON-decoded body of a push on the route it listens to. */
export type PushListener<T = unknown> = (body: T, route: string) => void;

/** Client events and their listeners. */
export interface ClientEvents {
  /** The server kicked this client, with the reason it gave ('' if none); `close` follows. */
  kick: (reason: string) => void;
  /** The client is closed for good: by `close()` (no error), by a kick, or after reconnecting failed. */
  close: (error: RpcError | undefined) => void;
  /** The connection was lost and reconnecting begins (only with the `reconnect` option). */
  disconnect: (error: RpcError) => void;
  /** Reconnected and handshaken again; `attempt` counts from 1. */
  reconnect: (attempt: number) => void;
  /** After `reconnect`: the session came back whole, and the pushes missed meanwhile follow in order. */
  resume: (sessionId: string) => void;
  /**
   * After `reconnect`, when the session did not come back whole: `resync` — it is back (user, data,
   * groups) but pushes were missed, so reload what they would have told you; `expired` — it is
   * gone and this is a new session, so log in and join again.
   */
  resync: (reason: 'resync' | 'expired') => void;
  /** A failure no call reports: bad input, server silence, a one-way send or served operation that failed. */
  error: (error: RpcError) => void;
}

/** The names `on()` takes as events; any other name is a push route. */
export const EVENT_NAMES: ReadonlySet<string> = new Set<keyof ClientEvents>(['kick', 'close', 'disconnect', 'reconnect', 'resume', 'resync', 'error']);

/** Per-request options. */
export interface RequestOptions {
  /** Deadline in milliseconds; defaults to the client's `timeoutMs`. Fails with `deadline_exceeded`. */
  timeoutMs?: number;
  /** Aborts the request; it then fails with `cancelled`. */
  signal?: AbortSignal;
}

