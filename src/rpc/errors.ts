import { SwitchyardError } from '../wire/errors.js';
import { isRecord } from '../wire/json-record.js';

/**
 * The closed set of RPC failure codes. They cross the wire as these strings, so a caller in any
 * process (or language) can branch on them.
 */
export const RpcCodes = {
  /** The caller gave up: its AbortSignal fired or the connection was closed by it. */
  cancelled: 'call cancelled',
  /** No reply arrived before the call's deadline. */
  deadline_exceeded: 'deadline exceeded',
  /** No such route, servant or session. */
  not_found: 'not found',
  /** The servant exists but does not implement the operation. */
  unimplemented: 'operation not implemented',
  /** No peer can take the call now (disconnected, no responders, shutting down); retry later. */
  unavailable: 'service unavailable',
  /** The caller has not authenticated, or the route needs a session that has. */
  unauthenticated: 'not authenticated',
  /** The caller is known but may not make this call. */
  permission_denied: 'permission denied',
  /** Arguments or reply could not be decoded, or broke a size limit. */
  bad_payload: 'bad payload',
  /** The servant failed; the message says how. */
  internal: 'internal error',
} as const;

/** One of {@link RpcCodes}. */
export type RpcCode = keyof typeof RpcCodes;

/** Whether `code` is one of the closed set (wire input is checked with this). */
export function isRpcCode(code: unknown): code is RpcCode {
  return typeof code === 'string' && Object.hasOwn(RpcCodes, code);
}

/** The one error type a call fails with, locally or across the wire. */
export class RpcError extends SwitchyardError {
  declare readonly code: RpcCode;

  constructor(code: RpcCode, message?: string, options?: { cause?: unknown }) {
    super(code, message ?? RpcCodes[code], options);
  }

  /** Wire form: `{code, message}`; the stack never leaves the process. */
  toJSON(): { code: RpcCode; message: string } {
    return { code: this.code, message: this.message };
  }

  /** Rebuilds an error from its wire form; an unknown code becomes `internal`. */
  static fromJSON(value: unknown): RpcError {
    const v: Record<string, unknown> = isRecord(value) ? value : {};
    const message = typeof v.message === 'string' ? v.message : undefined;
    return isRpcCode(v.code) ? new RpcError(v.code, message) : new RpcError('internal', message);
  }

  /** Wraps anything thrown into an RpcError, keeping RpcErrors as they are. */
  static from(err: unknown): RpcError {
    if (err instanceof RpcError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new RpcError('internal', message, { cause: err });
  }
}
