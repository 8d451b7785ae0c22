import type { ServerInfo } from './server-info.js';

/** Told the full membership whenever it changes (a server registered, left, or its lease lapsed). */
export type MembershipListener = (members: readonly ServerInfo[]) => void;

/**
 * How servers find each other: static (from config) or etcd (leases + watch). Every router reads
 * `members()` and subscribes to changes; a server that stops or whose lease lapses disappears.
 */
export interface Discovery {
  /** Registers `self` (etcd: under a key with a lease kept alive) and starts watching. */
  start(self: ServerInfo): Promise<void>;
  /** The servers known now, `self` included. */
  members(): readonly ServerInfo[];
  /** Calls `listener` on every change; returns a function that unsubscribes. */
  subscribe(listener: MembershipListener): () => void;
  /** Deregisters (etcd: revokes the lease) and stops watching. Safe to call twice. */
  stop(): Promise<void>;
}
