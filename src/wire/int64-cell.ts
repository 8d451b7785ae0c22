/**
 * A 64-bit scratch cell seen as two 32-bit halves and as one bigint, signed or unsigned, shared by
 * the protobuf reader and writer. Optimised code converts between the halves and the bigint without
 * a call into the runtime (which `BigInt(number)` past 2^31 and `Number(bigint)` need); storing a
 * bigint takes it modulo 2^64 (two's complement). Write it and read it back in the same step.
 */
export const HALVES = new Uint32Array(2);
export const INT64 = new BigInt64Array(HALVES.buffer);
export const UINT64 = new BigUint64Array(HALVES.buffer);
/** Index of the low half in {@link HALVES}: 0 on little-endian machines. */
export const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
/** Index of the high half in {@link HALVES}. */
export const HI = 1 - LO;
