/**
 * Whether a parsed JSON value is an object with named fields (not null, not an array): the check
 * every reader of untrusted JSON (handshakes, snapshots, system messages) makes before reading one.
 */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
