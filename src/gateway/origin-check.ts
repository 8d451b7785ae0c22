import type { OriginCheck, WsAcceptorOptions } from './options.js';

/**
 * The check behind `ws.allowedOrigins`. Browsers always send `Origin` on a WebSocket upgrade, so a
 * list guards against pages of other sites opening sockets with the user's cookies; a client that
 * sends no Origin is not a browser (and could send any Origin it liked), so a list lets it through.
 */
export function originCheck(allowed: WsAcceptorOptions['allowedOrigins']): OriginCheck | undefined {
  if (allowed === undefined) return undefined;
  if (typeof allowed === 'function') return allowed;
  const set = new Set(allowed.map((o) => o.toLowerCase()));
  return (origin) => origin === undefined || set.has(origin.toLowerCase());
}
