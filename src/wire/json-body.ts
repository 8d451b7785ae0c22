import secureJson from 'secure-json-parse';
import { utf8Decode, utf8Encode } from './bytes.js';
import { ProtocolError } from './errors.js';

/**
 * Parses a JSON body from a peer. Keys `__proto__` and `constructor.prototype` are dropped so a
 * body cannot pollute prototypes when an application merges it into its own objects.
 */
export function parseJsonBody(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return secureJson.parse(utf8Decode(bytes), undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch (err) {
    throw new ProtocolError('ERR_BODY_INVALID', err instanceof Error ? err.message : 'invalid JSON');
  }
}

/** Encodes a value as a JSON body; `undefined` becomes `{}` so pomelo clients always get an object. */
export function encodeJsonBody(value: unknown): Uint8Array {
  return utf8Encode(value === undefined ? '{}' : JSON.stringify(value));
}
