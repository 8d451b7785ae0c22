/**
 * Field converters for the JSON body form of generated structs, following the protobuf JSON mapping
 * where it matters to clients: longs as decimal strings, bytes as base64, non-finite floats as
 * "NaN" / "Infinity" / "-Infinity", dictionary keys as strings. Absent and null fields read as their
 * default. Anything of the wrong shape throws ProtocolError('ERR_BODY_INVALID') naming the field.
 */
import { base64Decode, base64Encode } from './base64.js';
import { ProtocolError } from './errors.js';
import type { JsonObject, JsonValue, ProtoCodec } from './proto-codec.js';

const INT_TEXT = /^-?\d+$/;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

function invalid(path: string, expected: string, value: unknown): ProtocolError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
  return new ProtocolError('ERR_BODY_INVALID', `${path}: expected ${expected}, got ${shown}`);
}

/** True for the JSON spellings of "not given". */
function absent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

/** The value as a JSON object (not an array, not null). */
export function jsonObject(value: unknown, path: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(path, 'an object', value);
  return value as Record<string, unknown>;
}

/** An own property of `obj`, so names like `constructor` never reach the prototype. */
export function jsonField(obj: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** A 32-bit integer given as a number or a decimal string. */
export function jsonInt32(value: unknown, path: string): number {
  if (absent(value)) return 0;
  const n = typeof value === 'string' && INT_TEXT.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
    throw invalid(path, 'a 32-bit integer', value);
  }
  return n;
}

/** A 64-bit integer given as a decimal string or a safe-integer number. */
export function jsonInt64(value: unknown, path: string): bigint {
  if (absent(value)) return 0n;
  let n: bigint | undefined;
  if (typeof value === 'string' && INT_TEXT.test(value)) n = BigInt(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  if (n === undefined || n < MIN_INT64 || n > MAX_INT64) throw invalid(path, 'a 64-bit integer', value);
  return n;
}

/** A float or double: a number, a numeric string, or "NaN" / "Infinity" / "-Infinity". */
export function jsonFloat(value: unknown, path: string): number {
  if (absent(value)) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    const n = value.trim() === '' ? NaN : Number(value);
    if (Number.isFinite(n)) return n;
  }
  throw invalid(path, 'a number', value);
}

/** A string. */
export function jsonString(value: unknown, path: string): string {
  if (absent(value)) return '';
  if (typeof value !== 'string') throw invalid(path, 'a string', value);
  return value;
}

/** A boolean. */
export function jsonBool(value: unknown, path: string): boolean {
  if (absent(value)) return false;
  if (typeof value !== 'boolean') throw invalid(path, 'a boolean', value);
  return value;
}

/** Bytes given as base64 text (standard or URL-safe). */
export function jsonBytes(value: unknown, path: string): Uint8Array {
  if (absent(value)) return new Uint8Array(0);
  if (typeof value !== 'string') throw invalid(path, 'base64 text', value);
  try {
    return base64Decode(value);
  } catch {
    throw invalid(path, 'base64 text', value);
  }
}

/** A nested struct; absent means the struct's default value. */
export function jsonMessage<T>(value: unknown, codec: ProtoCodec<T>, path: string): T {
  return absent(value) ? codec.create() : codec.fromJSON(value, path);
}

/** An array, each element converted by `element`. */
export function jsonArray<T>(value: unknown, path: string, element: (v: unknown, path: string) => T): T[] {
  if (absent(value)) return [];
  if (!Array.isArray(value)) throw invalid(path, 'an array', value);
  const out: T[] = new Array<T>(value.length);
  for (let i = 0; i < value.length; i++) out[i] = element(value[i], `${path}[${i}]`);
  return out;
}

/** A dictionary given as a JSON object; keys parsed by `key`, values converted by `val`. */
export function jsonMap<K, V>(
  value: unknown,
  path: string,
  key: (k: string, path: string) => K,
  val: (v: unknown, path: string) => V,
): Map<K, V> {
  const out = new Map<K, V>();
  if (absent(value)) return out;
  const obj = jsonObject(value, path);
  for (const k of Object.keys(obj)) out.set(key(k, path), val(obj[k], `${path}[${JSON.stringify(k)}]`));
  return out;
}

/** A dictionary key of type string. */
export function jsonKeyString(key: string): string {
  return key;
}

/** A dictionary key of a 32-bit integer type. */
export function jsonKeyInt32(key: string, path: string): number {
  if (!INT_TEXT.test(key)) throw invalid(path, 'integer keys', key);
  return jsonInt32(Number(key), path);
}

/** A dictionary key of type long. */
export function jsonKeyInt64(key: string, path: string): bigint {
  return jsonInt64(key, path);
}

/** A dictionary key of type bool. */
export function jsonKeyBool(key: string, path: string): boolean {
  if (key === 'true') return true;
  if (key === 'false') return false;
  throw invalid(path, '"true" or "false" keys', key);
}

/** A long as JSON: a decimal string, since JSON numbers lose precision beyond 2^53. */
export function int64ToJSON(value: bigint): string {
  return value.toString();
}

/** A float as JSON: non-finite values as their protobuf JSON strings. */
export function floatToJSON(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

/** Bytes as JSON: standard base64. */
export function bytesToJSON(value: Uint8Array): string {
  return base64Encode(value);
}

/** A dictionary as a JSON object with string keys (null prototype, so `__proto__` is an ordinary key). */
export function mapToJSON<K, V>(map: ReadonlyMap<K, V>, val: (v: V) => JsonValue): JsonObject {
  const out = Object.create(null) as JsonObject;
  for (const [k, v] of map) out[String(k)] = val(v);
  return out;
}
