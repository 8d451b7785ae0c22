import { encodeHandshake, encodePacket, HandshakeCode, PacketType, type HandshakeRequest } from '../wire/index.js';
import type { AuthResult } from './auth.js';
import { CloseReason, ConnState, type ClientConnection, type ConnectionHost } from './client-connection.js';
import { readResumeRequest, type ResumeAnswer } from './resume-store.js';

/** How a handshake asking for resume ends when no session is handed back: a new one, or `expired`. */
type ResumeMode = 'new' | 'expired';

/**
 * Answers a client's handshake: resumes the session of a token the client presents (here, or
 * from the shared store), else runs the authenticator; then sends the answer, with `sys.resume`
 * for clients that asked for it. Called in state AwaitHandshake.
 */
export function handleHandshake(conn: ClientConnection, host: ConnectionHost, hs: HandshakeRequest): void {
  conn.errorFlag = hs.sys.errorFlag === true;
  const resume = host.resume;
  const ask = resume && hs.sys.resume !== undefined ? readResumeRequest(hs.sys.resume) : undefined;
  if (ask === undefined || ask === true) {
    authenticate(conn, host, hs.user, ask === true ? 'new' : undefined);
    return;
  }
  // A token we hold gives the session back without authenticating again: the token is the credential.
  conn.state = ConnState.Authenticating;
  const claimed = resume!.claim(conn, ask);
  if (claimed) {
    answer(conn, host, undefined, claimed);
    return;
  }
  resume!.restore(conn, ask).then(
    (restored) => {
      if (conn.state !== ConnState.Authenticating) return;
      if (restored) answer(conn, host, undefined, restored);
      else authenticate(conn, host, hs.user, 'expired');
    },
    (err: unknown) => refuse(conn, host, err),
  );
}

/** Runs the authenticator (if any), then answers; `resume` says whether to make the session resumable. */
function authenticate(conn: ClientConnection, host: ConnectionHost, user: Record<string, unknown>, resume: ResumeMode | undefined): void {
  const check = host.options.authenticate;
  if (!check) {
    answer(conn, host, undefined, resume);
    return;
  }
  conn.state = ConnState.Authenticating;
  let result: ReturnType<typeof check>;
  try {
    result = check(user, conn.session);
  } catch (err) {
    refuse(conn, host, err);
    return;
  }
  Promise.resolve(result).then(
    (r) => (r ? authenticated(conn, host, r, resume) : refuse(conn, host, undefined)),
    (err: unknown) => refuse(conn, host, err),
  );
}

function authenticated(conn: ClientConnection, host: ConnectionHost, r: AuthResult, resume: ResumeMode | undefined): void {
  if (conn.state !== ConnState.Authenticating) return;
  try {
    conn.session.bind(r.uid);
  } catch (err) {
    refuse(conn, host, err);
    return;
  }
  answer(conn, host, r.user, resume);
}

/** Answers 500 with the authenticator's message, then closes. */
function refuse(conn: ClientConnection, host: ConnectionHost, err: unknown): void {
  if (conn.state !== ConnState.Authenticating) return;
  const message = err instanceof Error ? err.message : CloseReason.authRefused;
  host.logger.debug({ session: conn.session.id, err }, 'handshake refused');
  conn.send(encodePacket(PacketType.Handshake, encodeHandshake({ code: HandshakeCode.Refused, message })));
  conn.close(CloseReason.authRefused);
}

/** Answers 200; with resume, `sys.resume` carries the token (see docs/protocol.md). */
function answer(conn: ClientConnection, host: ConnectionHost, user: Record<string, unknown> | undefined, resume: ResumeAnswer | ResumeMode | undefined): void {
  const { heartbeatSec, dictionary } = host.options;
  const sys: Record<string, unknown> = { heartbeat: heartbeatSec, dict: dictionary.toJSON() };
  if (resume !== undefined) sys.resume = typeof resume === 'string' ? host.resume!.enable(conn, resume === 'expired') : resume;
  conn.state = ConnState.AwaitAck;
  conn.send(encodePacket(PacketType.Handshake, encodeHandshake({ code: HandshakeCode.Ok, sys, user: user ?? {} })));
}
