/**
 * The application the soak run's cluster serves (`npm run soak`). Backends of type `soak` answer
 * echoes, bind users, push to users through the session registry, and run rooms (groups spanning
 * both gateways). Every push carries the id the load generator gave it, so the generator can tell
 * exactly which expected pushes arrived, arrived twice, or never arrived.
 */
import { RpcError, type Application, type HandlerContext } from '../src/index.js';

/** Route of a room message push; the body is {@link SayPush}. */
export const SAY_PUSH = 'room.onSay';
/** Route of a push to one user; the body is {@link PokePush}. */
export const POKE_PUSH = 'soak.onPoke';

/** Body of a `room.onSay` push. */
export interface SayPush {
  id: number;
  room: string;
}

/** Body of a `soak.onPoke` push. */
export interface PokePush {
  id: number;
}

/** Rejects anything but a non-empty string of at most `max` characters. */
function text(value: unknown, field: string, max = 64): string {
  if (typeof value !== 'string' || value === '' || value.length > max) throw new RpcError('bad_payload', `${field} must be a string of 1..${max} characters`);
  return value;
}

/** Rejects anything but a non-negative safe integer. */
function id(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new RpcError('bad_payload', `${field} must be a non-negative integer`);
  return value;
}

/** The room a session is in, or undefined; stored in session data so it travels with the session. */
function roomOf(ctx: HandlerContext): string | undefined {
  const room = ctx.session.get<string | null>('room');
  return typeof room === 'string' ? room : undefined;
}

/** `soak.*`: login, echo, the session's state, and a push to another user by user id. */
function soakHandler(app: Application): object {
  return {
    login(body: { uid?: unknown }, ctx: HandlerContext) {
      ctx.session.bind(text(body?.uid, 'uid'));
      return { server: app.serverId };
    },
    echo(body: { n?: unknown; pad?: unknown }) {
      const pad = typeof body?.pad === 'string' ? body.pad : '';
      return { n: id(body?.n, 'n'), pad, server: app.serverId };
    },
    /** The session's user and room, for a client that lost track (after a resync, or a failed join or leave). */
    state(_body: unknown, ctx: HandlerContext) {
      return { uid: ctx.session.uid ?? null, room: roomOf(ctx) ?? null, server: app.serverId };
    },
    async poke(body: { uid?: unknown; id?: unknown }) {
      const push: PokePush = { id: id(body?.id, 'id') };
      return { delivered: await app.pushToUser(text(body?.uid, 'uid'), POKE_PUSH, push) };
    },
  };
}

/**
 * `room.*`: join, leave and say. Joining a second room without leaving the first is refused, so
 * a load generator that tracks membership wrongly shows up as errors instead of silent drift.
 */
function roomHandler(app: Application): object {
  return {
    join(body: { room?: unknown }, ctx: HandlerContext) {
      const room = text(body?.room, 'room');
      if (roomOf(ctx) !== undefined) throw new RpcError('permission_denied', 'already in a room');
      ctx.session.set('room', room);
      app.group(`room:${room}`).add(ctx.session);
      return { room, server: app.serverId };
    },
    leave(_body: unknown, ctx: HandlerContext) {
      const room = roomOf(ctx);
      if (room === undefined) throw new RpcError('permission_denied', 'not in a room');
      app.group(`room:${room}`).remove(ctx.session);
      ctx.session.set('room', null);
      return { room, server: app.serverId };
    },
    say(body: { id?: unknown }, ctx: HandlerContext) {
      const room = roomOf(ctx);
      if (room === undefined) throw new RpcError('permission_denied', 'join a room first');
      const push: SayPush = { id: id(body?.id, 'id'), room };
      app.group(`room:${room}`).broadcast(SAY_PUSH, push);
      return { room, server: app.serverId };
    },
  };
}

/** Registers the handlers on `soak` backends; gateways only forward. */
export default function setup(app: Application): void {
  if (app.serverType !== 'soak') return;
  app.handler('soak', soakHandler(app));
  app.handler('room', roomHandler(app));
}
