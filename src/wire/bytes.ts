/**
 * Byte helpers that use Node's Buffer where it exists (pooled allocation, fast UTF-8) and plain
 * Uint8Array + TextEncoder in the browser, so the wire layer runs in both unchanged.
 */

type NodeBuf = Buffer;
type NodeBufferStatic = typeof Buffer;
/**
 * Node's Buffer methods behind `toString('utf8' | 'latin1', start, end)` and `write(s, at, 'utf8' |
 * 'latin1')`, present since Node 0.x though not in its types; called directly, they skip the
 * argument handling, which costs as much as the copy for the short strings the codecs write.
 */
interface NodeStringCodec {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
  utf8Write(s: string, offset: number): number;
  latin1Write(s: string, offset: number): number;
}

// Looked up on globalThis so the browser bundle carries no reference to Node's Buffer.
const NodeBuffer = (globalThis as { Buffer?: NodeBufferStatic }).Buffer;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');
/** Browsers only; its label means windows-1252, which agrees with latin1 on ASCII, the only bytes it is used for. */
let latin1Decoder: TextDecoder | undefined;

/** A Buffer view of `u` without copying (Node only); `u` itself when it already is one. */
function asBuffer(B: NodeBufferStatic, u: Uint8Array): NodeBuf {
  return B.isBuffer(u) ? u : B.from(u.buffer, u.byteOffset, u.byteLength);
}

/** The one empty byte array, shared so an empty body or a drained buffer allocates nothing; never transfer its buffer. */
export const EMPTY_BYTES = new Uint8Array(0);

/** Uninitialised bytes of the given length (pooled on Node). */
export function allocBytes(size: number): Uint8Array {
  return NodeBuffer ? NodeBuffer.allocUnsafe(size) : new Uint8Array(size);
}

/** Number of bytes `s` takes in UTF-8. */
export function utf8Length(s: string): number {
  return NodeBuffer ? NodeBuffer.byteLength(s, 'utf8') : encoder.encode(s).length;
}

/** Writes `s` as UTF-8 at `offset`; returns the bytes written. */
export function utf8Write(target: Uint8Array, s: string, offset: number): number {
  if (NodeBuffer) return (asBuffer(NodeBuffer, target) as NodeBuf & NodeStringCodec).utf8Write(s, offset);
  return encoder.encodeInto(s, target.subarray(offset)).written;
}

/** UTF-8 bytes of `s`. */
export function utf8Encode(s: string): Uint8Array {
  if (!NodeBuffer) return encoder.encode(s);
  const length = NodeBuffer.byteLength(s, 'utf8');
  const out = NodeBuffer.allocUnsafe(length) as NodeBuf & NodeStringCodec;
  // As many bytes as characters: all ASCII, which latin1 writes the same and faster.
  if (length === s.length) out.latin1Write(s, 0);
  else out.utf8Write(s, 0);
  return out;
}

/** Decodes `bytes[start, end)` as UTF-8. */
export function utf8Decode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  // utf8Slice is what toString('utf8') ends in, without its argument handling: the codecs decode many short strings.
  if (NodeBuffer) return (asBuffer(NodeBuffer, bytes) as NodeBuf & NodeStringCodec).utf8Slice(start, end);
  return decoder.decode(bytes.subarray(start, end));
}

/** Decodes `bytes[start, end)` one character per byte (latin1): the ASCII bytes of it as UTF-8 would. */
export function latin1Decode(bytes: Uint8Array, start: number, end: number): string {
  if (NodeBuffer) return (asBuffer(NodeBuffer, bytes) as NodeBuf & NodeStringCodec).latin1Slice(start, end);
  return (latin1Decoder ??= new TextDecoder('latin1')).decode(bytes.subarray(start, end));
}

/** Writes `v` (a uint32) big-endian at `bytes[at, at + 4)`. */
export function writeUint32BE(bytes: Uint8Array, v: number, at: number): void {
  bytes[at] = v >>> 24;
  bytes[at + 1] = (v >>> 16) & 0xff;
  bytes[at + 2] = (v >>> 8) & 0xff;
  bytes[at + 3] = v & 0xff;
}

/** Reads the big-endian uint32 at `bytes[at, at + 4)`; the caller has checked the four bytes are there. */
export function readUint32BE(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** Concatenates chunks into one array (no copy when there is only one). */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = allocBytes(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
