import { gunzipSync, inflateSync } from 'node:zlib';
import { ProtocolError } from '../wire/index.js';

/**
 * Inflates a body sent with flag 0x10. Clients differ (pitaya gzip, others zlib), so the format is
 * sniffed; the output is capped at `maxBytes` so a small bomb cannot take memory.
 */
export function inflateBody(body: Uint8Array, maxBytes: number): Uint8Array {
  try {
    if (body[0] === 0x1f && body[1] === 0x8b) return gunzipSync(body, { maxOutputLength: maxBytes });
    if (body[0] === 0x78) return inflateSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    throw new ProtocolError('ERR_DECOMPRESS', err instanceof Error ? err.message : String(err));
  }
  throw new ProtocolError('ERR_DECOMPRESS', 'neither gzip nor zlib');
}
