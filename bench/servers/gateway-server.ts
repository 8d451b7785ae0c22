/**
 * A gateway with the bench handlers in one process (`createApp`), for B1(b), B2 and B3 on the
 * gateway. Prints `{"event":"ready","port":…}` once it accepts WebSocket clients.
 *
 * Usage: node --import tsx gateway-server.ts '{"heartbeatSec":20}'
 */
import { createApp } from '../../src/index.js';
import { childParams, emit } from '../harness/child-messages.js';
import setup from './bench-app.js';
import { serveCommands } from './server-commands.js';

const params = childParams<{ heartbeatSec?: number }>();
const app = createApp({
  serverId: 'gate',
  gateway: { ws: { host: '127.0.0.1', port: 0 }, heartbeatSec: params.heartbeatSec ?? 20, maxConnections: 100_000 },
});
await setup(app);
const addresses = await app.start();
serveCommands(() => app.gateway.stats.connections);
emit('ready', { port: addresses.ws!.port });
