import type { Session } from './session.js';

/** What an authenticator decides: a user id to bind, and data returned in the handshake's `user`. */
export interface AuthResult {
  uid: string;
  user?: Record<string, unknown>;
}

/**
 * Checks a client's handshake `user` data (e.g. a token) and resolves the user it belongs to, or
 * throws / resolves null to refuse (the client gets handshake code 500 and is closed). It runs
 * under the handshake deadline.
 */
export type Authenticator = (user: Record<string, unknown>, session: Session) => Promise<AuthResult | null> | AuthResult | null;
