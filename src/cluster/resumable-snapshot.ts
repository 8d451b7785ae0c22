import { RpcError } from '../rpc/errors.js';
import { base64Decode, base64Encode, parseJsonBody, utf8Encode } from '../wire/index.js';
import { isRecord } from '../wire/json-record.js';

/**
 * A resumable session as the registry keeps it under its resume token, so another gateway can
 * restore it when the session's gateway dies: the user bound, the session data, the groups. A
 * gateway stopping gracefully adds the number of the session's last push and the pushes its client
 * has not had (stored as base64), so the session resumes elsewhere without a gap. `sessionId` and
 * `servedBy` (the servers holding copies of it) let the gateway that restores it tell those servers
 * it moved.
 */
export interface ResumableSnapshot {
  readonly sessionId?: string;
  readonly servedBy?: readonly string[];
  readonly uid?: string;
  readonly data: Record<string, unknown>;
  readonly groups: readonly string[];
  readonly seq?: number;
  readonly pushes?: readonly Uint8Array[];
}

/** Encodes a snapshot as JSON (session data is whatever the application stored, as in forwarding). */
export function encodeResumable(s: ResumableSnapshot): Uint8Array {
  const handover = s.seq === undefined ? {} : { seq: s.seq, pushes: (s.pushes ?? []).map(base64Encode) };
  const origin = s.sessionId === undefined ? {} : { sessionId: s.sessionId, servedBy: s.servedBy ?? [] };
  return utf8Encode(JSON.stringify({ ...origin, uid: s.uid, data: s.data, groups: s.groups, ...handover }));
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
  if (v.sessionId !== undefined && (typeof v.sessionId !== 'string' || v.sessionId === '')) return undefined;
  const servedBy = v.servedBy ?? [];
  if (!Array.isArray(servedBy) || !servedBy.every((id) => typeof id === 'string' && id !== '')) return undefined;
  const origin = v.sessionId === undefined ? {} : { sessionId: v.sessionId as string, servedBy: servedBy as string[] };
  const base = { ...origin, uid: v.uid as string | undefined, data: v.data, groups: v.groups as string[] };
  if (v.seq === undefined) return base;
  const pushes = v.pushes ?? [];
  if (!Number.isSafeInteger(v.seq) || !Array.isArray(pushes) || !pushes.every((p) => typeof p === 'string')) return undefined;
  if ((v.seq as number) < pushes.length) return undefined;
  try {
    return { ...base, seq: v.seq as number, pushes: (pushes as string[]).map(base64Decode) };
  } catch {
    return undefined;
  }
}

/** Rejects a token or TTL the registry cannot key on, so a bug upstream fails clearly. */
export function checkResumeArgs(token: unknown, ttlMs?: unknown): void {
  if (typeof token !== 'string' || token === '') throw new RpcError('bad_payload', 'session registry: resume token must be a non-empty string');
  if (ttlMs !== undefined && (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs <= 0)) {
    throw new RpcError('bad_payload', 'session registry: resume ttlMs must be a positive integer');
  }
}
