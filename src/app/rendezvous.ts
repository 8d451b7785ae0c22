import type { ServerInfo } from '../cluster/server-info.js';

/** 32-bit FNV-1a of a string: cheap, stable across processes. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes two hashes into a well-spread 32-bit weight. */
function weight(a: number, b: number): number {
  let h = Math.imul(a ^ b, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  return h >>> 0;
}

/**
 * Rendezvous (highest random weight) choice: each session goes to the candidate with the highest
 * weight for it, so when a server leaves only its sessions move, and when one joins ~1/n move.
 */
export function rendezvousPick(candidates: readonly ServerInfo[], sessionId: string): ServerInfo | undefined {
  const key = fnv1a(sessionId);
  let best: ServerInfo | undefined;
  let bestWeight = -1;
  for (const c of candidates) {
    const w = weight(key, fnv1a(c.id));
    if (w > bestWeight) {
      best = c;
      bestWeight = w;
    }
  }
  return best;
}
