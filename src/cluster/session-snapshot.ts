import { ProtocolError, parseJsonBody, parseJsonText, utf8Encode } from '../wire/index.js';
import { isRecord } from '../wire/json-record.js';

/** A session as a gateway forwards it to a backend with each request. */
export interface SessionSnapshot {
  readonly id: string;
  readonly frontendId: string;
  /** The gateway process that holds it: a restarted gateway hands out the same ids again. */
  readonly incarnation?: string;
  /** The session's id at the gateway it was resumed from: a backend holding a copy under that id re-keys it. */
  readonly movedFrom?: string;
  readonly uid?: string;
  /** The gateway's session version when the snapshot was taken (see Session.version). */
  readonly version: number;
  /**
   * A reply for this session may have been lost (with the changes it carried back): the copy takes
   * this snapshot even if its own version is newer, so it agrees with the gateway again.
   */
  readonly resync?: boolean;
  readonly data: Record<string, unknown>;
}

/** Changes a backend made to its copy of a session, sent back to the gateway as one version. */
export interface SessionUpdate {
  uid?: string;
  /** Keys set; `null` deletes a key. */
  set?: Record<string, unknown>;
}

/** Encodes a snapshot (JSON: session data is whatever the application stored). */
export function encodeSnapshot(s: SessionSnapshot): Uint8Array {
  return utf8Encode(JSON.stringify(s));
}

/** Decodes and checks a snapshot (its bytes, or its text already decoded); throws ProtocolError on anything malformed. */
export function decodeSnapshot(input: Uint8Array | string): SessionSnapshot {
  const v = typeof input === 'string' ? parseJsonText(input) : parseJsonBody(input);
  if (
    !isRecord(v) ||
    typeof v.id !== 'string' ||
    typeof v.frontendId !== 'string' ||
    (v.incarnation !== undefined && typeof v.incarnation !== 'string') ||
    (v.movedFrom !== undefined && typeof v.movedFrom !== 'string') ||
    typeof v.version !== 'number' ||
    (v.resync !== undefined && typeof v.resync !== 'boolean') ||
    !isRecord(v.data) ||
    (v.uid !== undefined && typeof v.uid !== 'string')
  ) {
    throw new ProtocolError('ERR_BODY_INVALID', 'malformed session snapshot');
  }
  return v as unknown as SessionSnapshot;
}

/** Decodes a session update; throws ProtocolError on anything malformed. */
export function decodeUpdate(v: unknown): SessionUpdate {
  if (!isRecord(v) || (v.uid !== undefined && typeof v.uid !== 'string') || (v.set !== undefined && !isRecord(v.set))) {
    throw new ProtocolError('ERR_BODY_INVALID', 'malformed session update');
  }
  return v as SessionUpdate;
}
