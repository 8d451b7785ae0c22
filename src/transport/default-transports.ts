import type { Transport } from '../rpc/frame.js';
import { inProcessTransport, type InProcessHub } from './in-process.js';
import { tcpTransport } from './tcp.js';
import { wsTransport } from './ws.js';

/** Options of {@link defaultTransports}. */
export interface DefaultTransportsOptions {
  /** Largest frame accepted over TCP and WebSocket, in bytes. Default 16 MiB. */
  maxFrameBytes?: number;
  /** In-process hub to share with other communicators. Default: a new, private one. */
  hub?: InProcessHub;
}

/**
 * Fresh TCP, WebSocket and in-process transports, for `createCommunicator({ transports })`. Call it
 * once per communicator: each call makes its own in-process hub unless one is given.
 */
export function defaultTransports(options: DefaultTransportsOptions = {}): Transport[] {
  const limits = options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes };
  return [tcpTransport(limits), wsTransport(limits), inProcessTransport({ hub: options.hub })];
}
