import type { Application } from '../../src/index.js';
import { ChatHandler } from './chat-handler.js';

/** The chat demo as a cluster application: chat servers run the handler; gateways only forward. */
export default function setup(app: Application): void {
  if (app.serverType === 'chat') app.handler('chat', new ChatHandler(app));
}
