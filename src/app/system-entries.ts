import { decodeFramedJson, encodeFramedJson } from '../cluster/framed-json.js';
import { decodeUpdate } from '../cluster/session-snapshot.js';
import type { Gateway } from '../gateway/index.js';
import { RpcError, type OperationEntry, type OperationRef } from '../rpc/index.js';
import { EMPTY_BYTES } from '../wire/bytes.js';
import { ProtocolError } from '../wire/index.js';
import { isRecord } from '../wire/json-record.js';
import { SystemOps } from './system-ops.js';

function field(v: unknown, name: string): string {
  const x = isRecord(v) ? v[name] : undefined;
  if (typeof x !== 'string') throw new ProtocolError('ERR_BODY_INVALID', `system message without string "${name}"`);
  return x;
}

function strings(v: unknown, name: string): string[] {
  const x = isRecord(v) ? v[name] : undefined;
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
}

/** What the internal operations act on in the server that serves them (its cluster runtime). */
export interface SystemTarget {
  readonly id: string;
  /** This process among the restarts of its server id (answered to `__yard.gw.alive`). */
  readonly incarnation: string;
  /** The server's gateway, if it is a frontend. */
  gateway(): Gateway | undefined;
  applyGroupOp(op: string, group: string, sid: string): void;
  /** A backend's copy of a session is told the session closed. */
  sessionClosed(sid: string, reason: string): void;
  /** A session this backend served moved to gateway `frontendId` (process `incarnation`) as `to`. */
  sessionMoved(from: string, to: string, frontendId: string, incarnation: string): void;
  /** Gateway `frontendId` asks this backend to check its copies of that gateway's sessions. */
  recheck(frontendId: string): void;
  /** A session parked here, given up to the gateway its client came back to (encoded), or an empty body. */
  releaseParked(token: string): Uint8Array;
  /** Server `id` announced it leaves: stop routing to it. */
  leaving(id: string): void;
}

/** The operations one server serves to the others (`SystemOps`), decoding each header strictly. */
export function systemEntries(t: SystemTarget): OperationEntry<SystemTarget>[] {
  const entry = (op: OperationRef, run: (header: unknown, body: Uint8Array) => void): OperationEntry<SystemTarget> => ({
    ...op,
    invoke: (_s, bytes) => {
      const { header, body } = decodeFramedJson(bytes);
      run(header, body);
      return EMPTY_BYTES;
    },
  });
  const gw = (): Gateway => {
    const g = t.gateway();
    if (!g) throw new RpcError('unimplemented', `${t.id} is not a frontend`);
    return g;
  };
  return [
    entry(SystemOps.push, (h, body) => void gw().pushToSessions(strings(h, 'sids'), field(h, 'route'), body)),
    entry(SystemOps.kick, (h) => gw().session(field(h, 'sid'))?.kick(field(h, 'reason'))),
    entry(SystemOps.update, (h) => gw().session(field(h, 'sid'))?.applyUpdate(decodeUpdate(isRecord(h) ? h.update : undefined))),
    entry(SystemOps.group, (h) => t.applyGroupOp(field(h, 'op'), field(h, 'group'), field(h, 'sid'))),
    entry(SystemOps.groupcast, (h, body) => {
      const except = isRecord(h) && typeof h.except === 'string' ? h.except : undefined;
      gw().group(field(h, 'group')).broadcastBytes(field(h, 'route'), body, { except });
    }),
    entry(SystemOps.closed, (h) => t.sessionClosed(field(h, 'sid'), field(h, 'reason'))),
    entry(SystemOps.moved, (h) => t.sessionMoved(field(h, 'from'), field(h, 'to'), field(h, 'frontendId'), field(h, 'incarnation'))),
    entry(SystemOps.recheck, (h) => t.recheck(field(h, 'id'))),
    {
      ...SystemOps.alive,
      invoke: (_s, bytes) => {
        const g = gw();
        const alive = strings(decodeFramedJson(bytes).header, 'sids').filter((sid) => g.session(sid) !== undefined);
        return encodeFramedJson({ incarnation: t.incarnation, alive }, EMPTY_BYTES);
      },
    },
    { ...SystemOps.release, invoke: (_s, bytes) => t.releaseParked(field(decodeFramedJson(bytes).header, 'token')) },
    entry(SystemOps.leaving, (h) => t.leaving(field(h, 'id'))),
  ];
}
