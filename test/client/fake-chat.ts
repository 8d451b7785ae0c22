/**
 * Chat routes on the fake server, as the demo's backend answers them: join, say, and pushes of
 * joins and messages to everyone in the room (the sender included).
 */
import type { FakePeer, Received } from './fake-pomelo-server.js';

export function chatRoutes(): (peer: FakePeer, req: Received) => void {
  const rooms = new Map<string, Map<FakePeer, string>>();
  const where = new Map<FakePeer, string>();
  const broadcast = (room: string, route: string, body: unknown) => {
    for (const member of rooms.get(room)?.keys() ?? []) member.push(route, body);
  };
  return (peer, req) => {
    const body = JSON.parse(req.body.toString()) as { room?: string; name?: string; text?: string };
    if (req.route === 'chat.join') {
      const room = body.room!;
      const members = rooms.get(room) ?? new Map<FakePeer, string>();
      rooms.set(room, members);
      broadcast(room, 'chat.onJoin', { name: body.name });
      members.set(peer, body.name!);
      where.set(peer, room);
      peer.once('close', () => {
        members.delete(peer);
        broadcast(room, 'chat.onLeave', { name: body.name });
      });
      peer.respond(req.id, { users: [...members.values()] });
    } else if (req.route === 'chat.say') {
      const room = where.get(peer);
      if (!room) {
        peer.respond(req.id, { code: 'not_found', message: 'join a room first' }, { error: true });
        return;
      }
      peer.respond(req.id, { ok: true });
      broadcast(room, 'chat.onMessage', { from: rooms.get(room)!.get(peer), text: body.text });
    } else {
      peer.respond(req.id, { code: 'not_found', message: `no route ${req.route}` }, { error: true });
    }
  };
}
