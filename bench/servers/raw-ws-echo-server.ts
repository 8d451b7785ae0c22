/**
 * The baseline of B1 and B2: a server written with nothing but `ws`, sending every message back to
 * its sender. It also holds B2's idle sockets.
 *
 * Usage: node --import tsx raw-ws-echo-server.ts '{}'
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData } from 'ws';
import { emit } from '../harness/child-messages.js';
import { serveCommands } from './server-commands.js';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data: RawData, isBinary: boolean) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => ws.terminate());
});
wss.on('listening', () => emit('ready', { port: (wss.address() as AddressInfo).port }));
serveCommands(() => wss.clients.size);
