/**
 * Rendezvous (highest random weight) hashing: every (key, server) pair gets a pseudo-random weight
 * and the key goes to the server with the highest one. When a server leaves, only its keys move;
 * when one joins out of n, only the ~1/(n+1) of keys it now wins move, all of them to it.
 */

/** 32-bit FNV-1a of a string's UTF-16 code units. Cheap, and good enough once mixed (see {@link weight}). */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The weight of a key (hashed) on a server (hashed): the two hashes combined, then run through a
 * finaliser that spreads every input bit over every output bit, so weights of one key on different
 * servers behave as independent draws even for near-identical session ids.
 */
export function weight(keyHash: number, serverHash: number): number {
  let h = (keyHash ^ Math.imul(serverHash, 0x9e3779b1)) >>> 0;
  h = fmix32(h);
  h = fmix32((h + serverHash) >>> 0);
  return h;
}

function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Servers with their ids hashed once, when membership changes, not on every pick. */
export interface HashedServers<T> {
  readonly servers: readonly T[];
  readonly hashes: Uint32Array;
  readonly ids: readonly string[];
}

/** Precomputes the id hashes of `servers` (what a router does on each membership change). */
export function hashServers<T extends { readonly id: string }>(servers: readonly T[]): HashedServers<T> {
  const hashes = new Uint32Array(servers.length);
  servers.forEach((s, i) => (hashes[i] = hash32(s.id)));
  return { servers, hashes, ids: servers.map((s) => s.id) };
}

/**
 * The server `key` belongs to, or undefined when there are none.
 * Hot path: one hash of the key and one multiply-mix per server, no allocation (and no hashing
 * at all with one server). Ties (one in 2^32) go to the smaller id so every process agrees.
 */
export function rendezvousPick<T>(set: HashedServers<T>, key: string): T | undefined {
  const n = set.servers.length;
  if (n <= 1) return set.servers[0]; // the only server wins whatever the key: no need to hash it
  const k = hash32(key);
  let best = 0;
  let bestWeight = -1;
  for (let i = 0; i < n; i++) {
    const w = weight(k, set.hashes[i]);
    if (w > bestWeight || (w === bestWeight && set.ids[i] < set.ids[best])) {
      best = i;
      bestWeight = w;
    }
  }
  return set.servers[best];
}
