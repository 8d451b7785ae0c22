import { ProtocolError } from './errors.js';
import { encodeJsonBody, parseJsonBody } from './json-body.js';
import { isRecord } from './json-record.js';

/** Handshake answer codes (pomelo). */
export const HandshakeCode = {
  Ok: 200,
  Refused: 500,
  ClientTooOld: 501,
} as const;

/** One of {@link HandshakeCode}. */
export type HandshakeCode = (typeof HandshakeCode)[keyof typeof HandshakeCode];

/** The `sys` part a client sends; unknown keys are kept for the application to read. */
export interface HandshakeSys {
  type?: string;
  version?: string;
  /** Client asks for flag 0x20 on error responses (pitaya style). */
  errorFlag?: boolean;
  /** Client accepts compressed bodies (flag 0x10). */
  compression?: boolean;
  [key: string]: unknown;
}

/** A client's handshake: `sys` for the protocol, `user` for the application (e.g. a token). */
export interface HandshakeRequest {
  sys: HandshakeSys;
  user: Record<string, unknown>;
}

/** The server's handshake answer. */
export interface HandshakeResponse {
  code: HandshakeCode;
  sys?: {
    /** Heartbeat interval in seconds. */
    heartbeat: number;
    /** route → code, for compressed routes. */
    dict: Record<string, number>;
    protos?: Record<string, unknown>;
    [key: string]: unknown;
  };
  user?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Parses a handshake body. An empty body is accepted as `{}` (some TCP clients send nothing). */
export function parseHandshake(body: Uint8Array): HandshakeRequest {
  const value = body.length === 0 ? {} : parseJsonBody(body);
  if (!isRecord(value)) throw new ProtocolError('ERR_HANDSHAKE_INVALID', 'not a JSON object');
  const sys = value.sys ?? {};
  const user = value.user ?? {};
  if (!isRecord(sys)) throw new ProtocolError('ERR_HANDSHAKE_INVALID', '"sys" is not an object');
  if (!isRecord(user)) throw new ProtocolError('ERR_HANDSHAKE_INVALID', '"user" is not an object');
  return { sys: sys as HandshakeSys, user };
}

/** Encodes a handshake (client side) or a handshake answer (server side) as its JSON body. */
export function encodeHandshake(value: HandshakeRequest | HandshakeResponse): Uint8Array {
  return encodeJsonBody(value);
}

/** Parses a handshake answer (client side). */
export function parseHandshakeResponse(body: Uint8Array): HandshakeResponse {
  const value = parseJsonBody(body);
  if (!isRecord(value) || typeof value.code !== 'number') {
    throw new ProtocolError('ERR_HANDSHAKE_INVALID', 'answer has no numeric "code"');
  }
  return value as unknown as HandshakeResponse;
}
