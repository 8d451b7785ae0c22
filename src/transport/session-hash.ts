/**
 * The key that picks a pooled connection for a session: a stable 32-bit FNV-1a hash of the session
 * id's UTF-8 bytes. Stable across processes, restarts and languages (a Go or C peer hashing the same
 * bytes gets the same number), so every gateway sends one session's calls down the same connection.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a (32-bit) of `sessionId` as UTF-8: an unsigned integer, the `key` of `ServerTransport.invoker`. */
export function sessionKey(sessionId: string): number {
  // Hot path (every forwarded request): UTF-8 bytes are produced inline, nothing is allocated.
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < sessionId.length; i++) {
    let cp = sessionId.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < sessionId.length) {
      const low = sessionId.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // a lone surrogate encodes as U+FFFD, as TextEncoder does
    if (cp < 0x80) hash = mix(hash, cp);
    else if (cp < 0x800) hash = mix(mix(hash, 0xc0 | (cp >> 6)), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) hash = mix(mix(mix(hash, 0xe0 | (cp >> 12)), 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
    else {
      hash = mix(mix(hash, 0xf0 | (cp >> 18)), 0x80 | ((cp >> 12) & 0x3f));
      hash = mix(mix(hash, 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
    }
  }
  return hash >>> 0;
}

function mix(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, FNV_PRIME);
}
