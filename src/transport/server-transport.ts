import type { Adapter, Invoker } from '../rpc/index.js';

/** Where a server can be reached: enough for any server-to-server transport. */
export interface PeerAddress {
  /** Unique server id; NATS subjects and pool keys use it. */
  readonly id: string;
  /** Server type; NATS queue groups use it. */
  readonly type: string;
  readonly host: string;
  /** TCP port of its RPC listener (unused by NATS). */
  readonly port: number;
}

/**
 * Calls between servers of a cluster: TCP connection pools or NATS. A server serves one adapter
 * (its internal services: forwarded client requests, pushes, session updates) and calls others
 * through invokers. Calls the same `key` (a session's hash) sends to the same peer arrive in the
 * order they were made.
 */
export interface ServerTransport {
  /** Starts serving `adapter` for calls addressed to `self` (TCP: listens on self.host:self.port, 0 = any free port). Resolves with the port bound (0 for NATS). */
  listen(self: PeerAddress, adapter: Adapter): Promise<number>;
  /** An invoker for calls to `target`; `key` picks the pooled connection so one key's calls keep their order. */
  invoker(target: PeerAddress, key: number): Invoker;
  /**
   * Resolves once every call already made on `key`'s link to `target` has left this process, when
   * some still wait for that link's connection to open; undefined when none do (or the transport
   * keeps no such queue). A server answering a call waits for it, so the caller never gets the
   * answer before what the call sent it on another connection.
   */
  whenSent?(target: PeerAddress, key: number): Promise<void> | undefined;
  /** Forgets a peer that left the cluster: its connections close, calls waiting on them fail `unavailable`. */
  forget(targetId: string): void;
  /** Stops serving and closes every connection. */
  close(): Promise<void>;
}
