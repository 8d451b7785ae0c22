import type { OperationRef } from '../rpc/index.js';

function op(route: string, oneway = true): OperationRef {
  return { route, code: 0, oneway };
}

/**
 * The cluster's internal operations between servers. Their routes start with `__yard.`, which no
 * client route can reach: a gateway forwards only routes of services that servers advertise.
 */
export const SystemOps = {
  /** To a gateway: push a body to some of its sessions. Header `{sids, route}`. */
  push: op('__yard.gw.push'),
  /** To a gateway: kick a session. `{sid, reason}`. */
  kick: op('__yard.gw.kick'),
  /** To a gateway: apply a backend's change to a session. `{sid, update}`. */
  update: op('__yard.gw.update'),
  /** To a gateway: add a session to (or remove it from) a group it holds. `{op, group, sid}`. */
  group: op('__yard.gw.group'),
  /** To a gateway: broadcast to a group's members there. Header `{group, route, except?}`. */
  groupcast: op('__yard.gw.groupcast'),
  /** To a backend: a session it served has closed. `{sid, reason}`. */
  closed: op('__yard.be.closed'),
  /**
   * To a gateway: which of these sessions do you still hold? `{sids}`; answers `{incarnation, alive}`.
   * Two-way: a backend asks it to close the copies whose close notice never reached it.
   */
  alive: op('__yard.gw.alive', false),
  /**
   * To a backend: a session it served moved to another gateway (resumed there) and got a new id.
   * `{from, to, frontendId, incarnation}`: re-key the copy of `from`, keeping its state and hooks.
   */
  moved: op('__yard.be.moved'),
  /**
   * To a gateway: a client came back elsewhere with the token of a session parked here. `{token}`;
   * two-way, answers the session as a resumable snapshot with its pushes (and ends it here), or
   * an empty body when it is not parked here.
   */
  release: op('__yard.gw.release', false),
  /** To a backend: gateway `{id}` appeared, or saw you appear; check your copies of its sessions. */
  recheck: op('__yard.be.recheck'),
  /** To every server: the sender is leaving; stop routing to it. `{id}`. Two-way: the sender waits for it. */
  leaving: op('__yard.all.leaving', false),
} as const;

/** The gateway that holds session `sid`: session ids are `<frontendId>-<process tag>-<counter>` (server ids have no `-`). */
export function frontendOf(sid: string): string {
  const dash = sid.indexOf('-');
  return dash > 0 ? sid.slice(0, dash) : sid;
}
