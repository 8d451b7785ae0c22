import secureJson from 'secure-json-parse';
import { utf8Decode, utf8Encode } from './bytes.js';
import { ProtocolError } from './errors.js';

/**
 * Whether a JSON text needs the careful parser: it may hold a `__proto__` or `constructor` key,
 * written out or spelt with `\u` escapes (the only other way to write those names in JSON), or it
 * starts with a byte-order mark, which plain JSON.parse refuses.
 */
function needsCarefulParse(text: string): boolean {
  return text.charCodeAt(0) === 0xfeff || CAREFUL.test(text);
}

/** The spellings {@link needsCarefulParse} looks for, in one pass over the text instead of three. */
const CAREFUL = /__proto__|constructor|\\u/;

/**
 * Parses a JSON body from a peer. Keys `__proto__` and `constructor.prototype` are dropped so a
 * body cannot pollute prototypes when an application merges it into its own objects. Hot path:
 * a text that cannot spell those keys skips the scrubbing pass and costs one JSON.parse.
 */
export function parseJsonBody(bytes: Uint8Array): unknown {
  return bytes.length === 0 ? undefined : parseJsonText(utf8Decode(bytes));
}

/** {@link parseJsonBody} for a body already decoded to text (a caller that keys on the text too). */
export function parseJsonText(text: string): unknown {
  if (text === '') return undefined;
  try {
    if (!needsCarefulParse(text)) return JSON.parse(text);
    return secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch (err) {
    throw new ProtocolError('ERR_BODY_INVALID', err instanceof Error ? err.message : 'invalid JSON');
  }
}

/** Encodes a value as a JSON body; `undefined` becomes `{}` so pomelo clients always get an object. */
export function encodeJsonBody(value: unknown): Uint8Array {
  return utf8Encode(value === undefined ? '{}' : JSON.stringify(value));
}
