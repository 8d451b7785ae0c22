/**
 * Codes a gateway counts (in `gateway.stats.errors`, next to the ProtocolError codes) when it drops
 * or refuses a client, or one of its messages, for a reason that is not a malformed packet.
 */
export const GatewayErrorCodes = {
  ERR_HANDSHAKE_TIMEOUT: 'no handshake and ack within handshakeTimeoutMs (or the authenticator was slower)',
  ERR_SEND_QUEUE_FULL: 'the client stopped reading and its unsent bytes passed sendQueueLimit',
  ERR_TOO_MANY_CONNECTIONS: 'a connection was refused because maxConnections were open',
  ERR_TOO_MANY_FROM_ADDRESS: 'a connection was refused because maxConnectionsPerAddress were open from its address',
  ERR_ADDRESS_REFUSED: 'a connection was refused by the allowAddress hook',
  ERR_ORIGIN_REFUSED: 'a WebSocket upgrade was refused because its Origin is not in ws.allowedOrigins',
  ERR_RATE_LIMITED: 'a data packet came faster than rateLimit allows: dropped, or the client kicked',
  ERR_TLS_HANDSHAKE: 'a client failed the TLS handshake (bad protocol, no common cipher, timed out)',
} as const;

/** One of {@link GatewayErrorCodes}. */
export type GatewayErrorCode = keyof typeof GatewayErrorCodes;
