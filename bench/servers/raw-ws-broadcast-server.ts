/**
 * The baseline of B3: a `ws` server that, on the word `run <count> <intervalMs>` from any client,
 * sends every connected socket the same bytes a Switchyard gateway sends for a group push (a pomelo
 * data packet holding a push of route `bcast.tick` with a stamped 64-byte body) every interval,
 * `count` times. The packet is assembled here by hand: the baseline uses nothing but `ws`.
 *
 * Usage: node --import tsx raw-ws-broadcast-server.ts '{}'
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData } from 'ws';
import { emit } from '../harness/child-messages.js';
import { stampedBody } from '../harness/payloads.js';
import { serveCommands } from './server-commands.js';

const ROUTE = Buffer.from('bcast.tick', 'latin1');
/** Packet type 4 (data); message flag = type 3 (push) << 1, route as text. */
const DATA_PACKET = 4;
const PUSH_FLAG = 3 << 1;

function pushPacket(body: Buffer): Buffer {
  const messageLength = 2 + ROUTE.length + body.length;
  const packet = Buffer.allocUnsafe(4 + messageLength);
  packet[0] = DATA_PACKET;
  packet.writeUIntBE(messageLength, 1, 3);
  packet[4] = PUSH_FLAG;
  packet[5] = ROUTE.length;
  ROUTE.copy(packet, 6);
  body.copy(packet, 6 + ROUTE.length);
  return packet;
}

function run(count: number, intervalMs: number): void {
  let sent = 0;
  const timer = setInterval(() => {
    const packet = pushPacket(stampedBody(sent));
    for (const ws of wss.clients) ws.send(packet);
    if (++sent >= count) {
      clearInterval(timer);
      emit('done', { pushes: sent });
    }
  }, intervalMs);
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) return;
    const [word, count, interval] = String(data).split(' ');
    if (word === 'run') run(Number(count), Number(interval));
  });
  ws.on('error', () => ws.terminate());
});
wss.on('listening', () => emit('ready', { port: (wss.address() as AddressInfo).port }));
serveCommands(() => wss.clients.size);
