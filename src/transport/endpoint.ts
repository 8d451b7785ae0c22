/** Helpers shared by the socket transports for reading and writing endpoint URLs. */

/** Host of an endpoint URL without IPv6 brackets (`[::1]` → `::1`). */
export function hostOf(url: URL): string {
  const h = url.hostname;
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** Port of an endpoint URL; throws TypeError when it has none (0 asks for any free port). */
export function portOf(url: URL, fallback?: number): number {
  if (url.port === '') {
    if (fallback !== undefined) return fallback;
    throw new TypeError(`endpoint ${url.href} needs a port (0 picks a free one)`);
  }
  return Number(url.port);
}

/** `host:port` for a URL, bracketing IPv6 addresses. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Runs `onAbort` when `signal` fires; returns the function that stops listening. */
export function onAbort(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (signal === undefined) return () => {};
  if (signal.aborted) {
    queueMicrotask(onAbort);
    return () => {};
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
