import { RpcError } from '../rpc/errors.js';
import { encodeHandshake, HandshakeCode, parseHandshakeResponse } from '../wire/handshake.js';
import { isRecord } from '../wire/json-record.js';
import { RouteDictionary } from '../wire/route-dictionary.js';
import { readResumeOffer, type ResumeAsk, type ResumeOffer } from './client-resume.js';

/** Client name and protocol version sent in `sys`; servers may refuse old versions with 501. */
export const CLIENT_TYPE = 'switchyard-js';
export const CLIENT_VERSION = '0.1.0';

/** What a successful handshake answer gives the client. */
export interface HandshakeResult {
  /** Heartbeat interval in milliseconds; 0 when the server wants none. */
  heartbeatMs: number;
  dict: RouteDictionary;
  /** The answer's `user` part, for the application. */
  user: Record<string, unknown>;
  /** The answer's `sys.resume`, when the server offers resumable sessions. */
  resume: ResumeOffer | undefined;
}

/** The handshake body: asks for error-flagged responses so errors are told apart from data, and for resume when given. */
export function encodeClientHandshake(user: Record<string, unknown>, resume?: ResumeAsk): Uint8Array {
  const sys: Record<string, unknown> = { type: CLIENT_TYPE, version: CLIENT_VERSION, errorFlag: true };
  if (resume !== undefined) sys.resume = resume;
  return encodeHandshake({ sys, user });
}

function answerMessage(answer: Record<string, unknown>): string | undefined {
  for (const key of ['message', 'msg', 'reason', 'error']) {
    if (typeof answer[key] === 'string' && answer[key]) return answer[key] as string;
  }
  return undefined;
}

/**
 * Reads the server's answer. Throws RpcError `unauthenticated` when refused (500), `unavailable`
 * when the client is too old (501) or the code is unknown; a ProtocolError when it is not JSON.
 */
export function readHandshakeAnswer(body: Uint8Array): HandshakeResult {
  const answer = parseHandshakeResponse(body);
  if (answer.code === HandshakeCode.Refused) {
    throw new RpcError('unauthenticated', answerMessage(answer) ?? 'handshake refused by the server');
  }
  if (answer.code === HandshakeCode.ClientTooOld) {
    throw new RpcError('unavailable', answerMessage(answer) ?? 'client too old');
  }
  if (answer.code !== HandshakeCode.Ok) {
    throw new RpcError('unavailable', `handshake answered with code ${String(answer.code)}`);
  }
  const sys: Record<string, unknown> = isRecord(answer.sys) ? answer.sys : {};
  const seconds = typeof sys.heartbeat === 'number' && sys.heartbeat > 0 ? sys.heartbeat : 0;
  return {
    // Capped so the timers stay within what setTimeout accepts (2^31 - 1 ms over two intervals).
    heartbeatMs: Math.min(Math.round(seconds * 1000), 2 ** 30 - 1),
    dict: RouteDictionary.fromJSON(sys.dict),
    user: isRecord(answer.user) ? answer.user : {},
    resume: readResumeOffer(sys.resume),
  };
}
