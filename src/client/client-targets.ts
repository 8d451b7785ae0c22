import { ConfigError } from '../wire/errors.js';
import { ClientConnection, type ConnectionOptions, type ConnectionSink } from './client-connection.js';
import type { OpenSocket } from './client-socket.js';

/**
 * The servers a client may connect to (one URL, or several gateways of one cluster) with the
 * transport of each, and which one it is on. Attempts go round the list from a given index.
 */
export class ClientTargets {
  readonly urls: readonly string[];
  readonly #openers: readonly OpenSocket[];
  #current = 0;

  /** `socket` (the `socket` option) replaces every transport `openerFor` would pick; throws ConfigError on an empty list or a bad scheme. */
  constructor(urls: string | readonly string[], openerFor: (url: string) => OpenSocket, socket?: OpenSocket) {
    this.urls = typeof urls === 'string' ? [urls] : [...urls];
    if (this.urls.length === 0) throw new ConfigError('connect() needs at least one URL');
    this.#openers = this.urls.map((url) => socket ?? openerFor(url));
  }

  get size(): number {
    return this.urls.length;
  }

  /** Index of the server connected to last. */
  get current(): number {
    return this.#current;
  }

  /** Opens the target at `index` (modulo the list) and completes the handshake; it becomes the current one. */
  async open(index: number, options: ConnectionOptions, sink: ConnectionSink): Promise<ClientConnection> {
    const i = index % this.urls.length;
    const conn = await ClientConnection.open(this.urls[i]!, this.#openers[i]!, options, sink);
    this.#current = i;
    return conn;
  }
}
