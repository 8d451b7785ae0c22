import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createApp, type Application } from '../../src/index.js';
import { ChatHandler } from './chat-handler.js';

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  host?: string;
  /** HTTP + WebSocket port. Default 3250. */
  wsPort?: number;
  /** TCP port. Default 3251. */
  tcpPort?: number;
}

/** The page and the browser bundle, found from both the source tree and the build output. */
const staticDirs = [
  fileURLToPath(new URL('../../../examples/chat/public/', import.meta.url)),
  fileURLToPath(new URL('../../examples/chat/public/', import.meta.url)),
  fileURLToPath(new URL('../../../dist/browser/', import.meta.url)),
  fileURLToPath(new URL('../../dist/browser/', import.meta.url)),
];

/** Starts the chat demo: one process, gateway and handlers together. */
export async function startChatServer(options: ChatServerOptions = {}): Promise<Application> {
  const host = options.host ?? '127.0.0.1';
  const app = createApp({
    serverId: 'chat1',
    gateway: {
      ws: { host, port: options.wsPort ?? 3250, staticDirs },
      tcp: { host, port: options.tcpPort ?? 3251 },
      heartbeatSec: 20,
    },
  });
  app.handler('chat', new ChatHandler(app));
  await app.start();
  return app;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { host: { type: 'string' }, 'ws-port': { type: 'string' }, 'tcp-port': { type: 'string' } },
  });
  const app = await startChatServer({
    host: values.host,
    wsPort: values['ws-port'] ? Number(values['ws-port']) : undefined,
    tcpPort: values['tcp-port'] ? Number(values['tcp-port']) : undefined,
  });
  const { ws, tcp } = app.gateway.addresses;
  app.logger.info(`chat demo: open http://${ws!.host}:${ws!.port}/ in a browser; TCP clients on ${tcp!.host}:${tcp!.port}`);
  app.stopOnSignals();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
