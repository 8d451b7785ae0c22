/**
 * Codes a gateway counts (in `gateway.stats.errors`, next to the ProtocolError codes) when it drops
 * or refuses a client for a reason that is not a malformed packet.
 */
export const GatewayErrorCodes = {
  ERR_HANDSHAKE_TIMEOUT: 'no handshake and ack within handshakeTimeoutMs (or the authenticator was slower)',
  ERR_SEND_QUEUE_FULL: 'the client stopped reading and its unsent bytes passed sendQueueLimit',
  ERR_TOO_MANY_CONNECTIONS: 'a connection was refused because maxConnections were open',
} as const;

/** One of {@link GatewayErrorCodes}. */
export type GatewayErrorCode = keyof typeof GatewayErrorCodes;
