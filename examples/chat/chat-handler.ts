import { RpcError, type Application, type HandlerContext } from '../../src/index.js';

/** Request body of `chat.join`. */
export interface JoinRequest {
  room: string;
  name: string;
}

/** Request body of `chat.say`. */
export interface SayRequest {
  text: string;
}

const MAX_NAME = 32;
const MAX_TEXT = 2000;

function requireString(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw new RpcError('bad_payload', `${field} must be a non-empty string`);
  if (value.length > max) throw new RpcError('bad_payload', `${field} is longer than ${max} characters`);
  return value.trim();
}

/** The chat demo's handler: rooms are groups; members are told of joins, messages and leaves. */
export class ChatHandler {
  readonly #app: Application;

  constructor(app: Application) {
    this.#app = app;
  }

  /** Joins a room under a name; answers with everyone in it. */
  join(body: JoinRequest, ctx: HandlerContext): { users: string[] } {
    const room = requireString(body?.room, 'room', MAX_NAME);
    const name = requireString(body?.name, 'name', MAX_NAME);
    if (ctx.session.get('room') !== undefined) throw new RpcError('permission_denied', 'already in a room');
    const group = this.#app.group(`room:${room}`);
    const users = group.members().map((s) => s.get<string>('name')!);
    if (users.includes(name)) throw new RpcError('permission_denied', `name ${name} is taken in ${room}`);
    ctx.session.set('room', room);
    ctx.session.set('name', name);
    group.broadcast('chat.onJoin', { name });
    group.add(ctx.session);
    ctx.session.onClose((s) => {
      this.#app.group(`room:${room}`).broadcast('chat.onLeave', { name: s.get('name') }, { except: s });
    });
    return { users: [...users, name] };
  }

  /** Says something to the room, sender included. */
  say(body: SayRequest, ctx: HandlerContext): { ok: true } {
    const text = requireString(body?.text, 'text', MAX_TEXT);
    const room = ctx.session.get<string>('room');
    if (room === undefined) throw new RpcError('permission_denied', 'join a room first');
    this.#app.group(`room:${room}`).broadcast('chat.onMessage', { from: ctx.session.get('name'), text });
    return { ok: true };
  }
}
