/**
 * Kick reasons with a meaning for clients beyond "you are out". A kick is always `{"reason": ...}`
 * (pomelo); a client that knows nothing of these just sees a kick with this text.
 */

/**
 * Sent by a stopping gateway to clients whose resumable session it has handed over (saved to the
 * shared store): reconnect, to another gateway, and resume there. A plain `server shutting down`
 * kick still means the session is over. See docs/protocol.md, "Resumable sessions".
 */
export const RECONNECT_KICK_REASON = 'server shutting down, reconnect';
