import { EMPTY_BYTES } from '../wire/bytes.js';
import type { Extra } from './call.js';

/**
 * The envelope: what one frame between two RPC peers carries. The body is opaque bytes that only
 * generated code decodes, so a hop that forwards a call (the gateway) reads the header alone.
 *
 * Layout (all integers unsigned; `varint` is base-128, low 7 bits first, at most 5 bytes):
 *
 * ```
 * byte 0      flags: bits 0-2 kind (1 request, 2 one-way, 3 reply, 4 error reply, 5 cancel),
 *             bit 3 route, bit 4 code, bit 5 timeout, bit 6 extra, bit 7 session present
 * bytes 1-4   call id, uint32 big-endian (0 for one-way)
 * [route]     varint byte length, UTF-8            (bit 3)
 * [code]      varint route code                    (bit 4)
 * [timeout]   varint milliseconds left to the caller's deadline (bit 5)
 * [extra]     varint pair count, then per pair varint length + UTF-8 key, varint length + UTF-8 value
 * [session]   varint byte length, opaque bytes     (bit 7)
 * body        the rest of the frame
 * ```
 *
 * Only requests and one-way requests carry the optional fields. An error reply's body is
 * `varint length + UTF-8 code`, then the UTF-8 message to the end. A cancel has an empty body.
 */

/** What an envelope is for. */
export type EnvelopeKind = 'request' | 'oneway' | 'reply' | 'error' | 'cancel';

/** Wire value of each kind (the low three bits of the flags byte). */
export const KIND_CODES: Readonly<Record<EnvelopeKind, number>> = {
  request: 1,
  oneway: 2,
  reply: 3,
  error: 4,
  cancel: 5,
};

/** Kind by wire value; holes are invalid values. */
export const KINDS_BY_CODE: readonly (EnvelopeKind | undefined)[] = [
  undefined,
  'request',
  'oneway',
  'reply',
  'error',
  'cancel',
  undefined,
  undefined,
];

/** Flag bits of byte 0 above the kind. */
export const Flags = {
  kindMask: 0x07,
  route: 0x08,
  code: 0x10,
  timeout: 0x20,
  extra: 0x40,
  session: 0x80,
} as const;

/** Flags byte plus the 32-bit call id. */
export const ENVELOPE_HEADER_SIZE = 5;

/** Largest call id; ids wrap back to 1 after it (0 is reserved for one-way calls). */
export const MAX_CALL_ID = 0xffff_ffff;

/**
 * One decoded (or to-be-encoded) envelope. A single shape for every kind keeps the hot path
 * monomorphic; fields a kind does not use are `undefined` (and `body` is empty).
 */
export interface Envelope {
  kind: EnvelopeKind;
  /** Call id, uint32; a reply and a cancel name the request they answer. */
  id: number;
  /** Route `module.Interface.method`; a request carries a route, a code, or both. */
  route: string | undefined;
  /** Numeric route code, uint32. */
  code: number | undefined;
  /** Milliseconds left before the caller gives up, so the servant can stop early. */
  timeoutMs: number | undefined;
  /** Out-of-band string context. */
  extra: Extra | undefined;
  /** Opaque bytes a gateway attaches when forwarding (a session snapshot); never decoded here. */
  session: Uint8Array | undefined;
  /** Encoded arguments, result, or error payload; opaque at this layer. */
  body: Uint8Array;
}

/** Fields of a request envelope; the others default to undefined. */
export interface RequestFields {
  route?: string | undefined;
  code?: number | undefined;
  timeoutMs?: number | undefined;
  extra?: Extra | undefined;
  session?: Uint8Array | undefined;
}

/** A two-way or one-way request envelope. */
export function requestEnvelope(
  kind: 'request' | 'oneway',
  id: number,
  fields: RequestFields,
  body: Uint8Array,
): Envelope {
  return {
    kind,
    id: kind === 'oneway' ? 0 : id,
    route: fields.route,
    code: fields.code,
    timeoutMs: fields.timeoutMs,
    extra: fields.extra,
    session: fields.session,
    body,
  };
}

/** A reply, error reply or cancel envelope for call `id`. */
export function answerEnvelope(kind: 'reply' | 'error' | 'cancel', id: number, body: Uint8Array = EMPTY_BYTES): Envelope {
  return {
    kind,
    id,
    route: undefined,
    code: undefined,
    timeoutMs: undefined,
    extra: undefined,
    session: undefined,
    body,
  };
}
