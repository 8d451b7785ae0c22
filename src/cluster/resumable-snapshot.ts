import { RpcError } from '../rpc/errors.js';
import { parseJsonBody, utf8Encode } from '../wire/index.js';

/**
 * A resumable session as the registry keeps it under its resume token, so another gateway can
 * restore it when the session's gateway dies: the user bound, the session data, the groups.
 */
export interface ResumableSnapshot {
  readonly uid?: string;
  readonly data: Record<string, unknown>;
  readonly groups: readonly string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Encodes a snapshot as JSON (session data is whatever the application stored, as in forwarding). */
export function encodeResumable(s: ResumableSnapshot): Uint8Array {
  return utf8Encode(JSON.stringify({ uid: s.uid, data: s.data, groups: s.groups }));
}

/** Decodes and checks a stored snapshot; undefined when it is malformed (it is then not restored). */
export function decodeResumable(bytes: Uint8Array): ResumableSnapshot | undefined {
  let v: unknown;
  try {
    v = parseJsonBody(bytes);
  } catch {
    return undefined;
  }
  if (!isRecord(v) || !isRecord(v.data) || !Array.isArray(v.groups)) return undefined;
  if (v.uid !== undefined && (typeof v.uid !== 'string' || v.uid === '')) return undefined;
  if (!v.groups.every((g) => typeof g === 'string' && g !== '')) return undefined;
  return { uid: v.uid as string | undefined, data: v.data, groups: v.groups as string[] };
}

/** Rejects a token or TTL the registry cannot key on, so a bug upstream fails clearly. */
export function checkResumeArgs(token: unknown, ttlMs?: unknown): void {
  if (typeof token !== 'string' || token === '') throw new RpcError('bad_payload', 'session registry: resume token must be a non-empty string');
  if (ttlMs !== undefined && (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs <= 0)) {
    throw new RpcError('bad_payload', 'session registry: resume ttlMs must be a positive integer');
  }
}
