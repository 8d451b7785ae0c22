/** Transports: each turns sockets (or an in-process pair) into frame connections for the rpc layer. */
export { defaultTransports, type DefaultTransportsOptions } from './default-transports.js';
export { FrameConnectionBase } from './frame-connection-base.js';
export { DEFAULT_MAX_FRAME_BYTES, FRAME_PREFIX_BYTES, FrameDecoder, type FrameDecoderOptions } from './frame-decoder.js';
export { FrameWriter, type FlushOrder, type WritableSocket } from './frame-writer.js';
export { TurnFlusher, type Flushable } from './turn-flusher.js';
export {
  InProcessFrameConnection,
  InProcessHub,
  inProcessTransport,
  type InProcessTransportOptions,
} from './in-process.js';
export { TcpFrameConnection, connectTcp, listenTcp, tcpTransport, type TcpTransportOptions } from './tcp.js';
export { WsFrameConnection, connectWs, listenWs, wsTransport, type WsTransportOptions } from './ws.js';
export type { PeerAddress, ServerTransport } from './server-transport.js';
export { DEFAULT_POOL_SIZE, TcpPoolTransport, type TcpPoolOptions } from './tcp-pool.js';
export { PooledLink, type PooledLinkState } from './pooled-link.js';
export { sessionKey } from './session-hash.js';
export type { BackoffOptions } from './backoff.js';
export { NatsTransport, type NatsTransportOptions } from './nats-transport.js';
export type { NatsState } from './nats-link.js';
