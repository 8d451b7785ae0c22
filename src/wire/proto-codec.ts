/**
 * Shapes of the codecs the IDL compiler emits. Each struct gets a companion object of type
 * {@link ProtoCodec}: specialised code per struct, so nothing is looked up by reflection at run time.
 */
import type { ProtoReader } from './proto-reader.js';
import type { ProtoWriter } from './proto-writer.js';

/** Any value JSON can hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A JSON object (the `toJSON` form of a struct or a dictionary). */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Turns values of one type into protobuf bytes and back. */
export interface BinaryCodec<T> {
  /** The value as a complete protobuf message. */
  encode(value: T): Uint8Array;
  /** Parses a complete message; malformed bytes throw ProtocolError('ERR_BODY_INVALID'). */
  decode(bytes: Uint8Array): T;
}

/** The companion of a generated struct: binary and JSON forms plus a default-value factory. */
export interface ProtoCodec<T> extends BinaryCodec<T> {
  /** A value with every field at its default, overridden by `init`. */
  create(init?: Partial<T>): T;
  /** Writes the fields of `value` (without a length prefix) into `writer`. */
  write(writer: ProtoWriter, value: T): void;
  /** Reads fields until the end of the reader's current message. */
  read(reader: ProtoReader): T;
  /** Parses the JSON body form; `path` names the value in error messages. */
  fromJSON(json: unknown, path?: string): T;
  /** The JSON body form: longs as decimal strings, bytes as base64, dictionaries as objects. */
  toJSON(value: T): JsonObject;
}
