/**
 * Error base and the wire-level error catalogue. Every error Switchyard raises carries a stable
 * string `code`; `docs/errors.md` lists each one and a test keeps that table in step with the code.
 */

/** Root of every error Switchyard throws, so callers can tell ours from anything else. */
export class SwitchyardError extends Error {
  /** Stable, documented code; safe to branch on. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Wire protocol violations a peer can cause: each one closes only that peer's connection. */
export const ProtocolErrorCodes = {
  ERR_PACKET_TYPE: 'unknown packet type',
  ERR_PACKET_TOO_LARGE: 'packet larger than the configured maximum',
  ERR_PACKET_TRUNCATED: 'frame ended inside a packet',
  ERR_MESSAGE_TYPE: 'unknown message type',
  ERR_MESSAGE_TRUNCATED: 'message ended inside its header',
  ERR_MESSAGE_ID_RANGE: 'message id outside 0..2^28-1',
  ERR_ROUTE_TOO_LONG: 'route longer than 255 bytes',
  ERR_ROUTE_CODE_UNKNOWN: 'compressed route code not in the dictionary',
  ERR_HANDSHAKE_INVALID: 'handshake body is not a JSON object of the expected shape',
  ERR_BODY_INVALID: 'message body could not be decoded',
  ERR_DECOMPRESS: 'compressed body could not be inflated within the size limit',
  ERR_STATE: 'packet not allowed in the connection state (e.g. data before handshake-ack)',
} as const;

/** Codes of {@link ProtocolError}. */
export type ProtocolErrorCode = keyof typeof ProtocolErrorCodes;

/** A peer sent bytes that break the wire protocol. */
export class ProtocolError extends SwitchyardError {
  declare readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, detail?: string) {
    super(code, detail ? `${ProtocolErrorCodes[code]}: ${detail}` : ProtocolErrorCodes[code]);
  }
}

/** Configuration that cannot work: raised at start-up, before anything listens. */
export class ConfigError extends SwitchyardError {
  constructor(message: string) {
    super('ERR_CONFIG', message);
  }
}
