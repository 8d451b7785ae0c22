import { isIP } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';
import type { ClientTlsOptions } from './client-options.js';
import type { OpenSocket } from './client-socket.js';
import { parseTcpUrl, whenStreamOpen } from './tcp-socket.js';

/** Node's TLS options from the SDK's: PEM bytes as Buffers, the SNI name defaulting to a non-IP host. */
export function nodeTlsOptions(tls: ClientTlsOptions, host: string): ConnectionOptions {
  const toPem = (c: string | Uint8Array): string | Buffer => (typeof c === 'string' ? c : Buffer.from(c));
  const ca = tls.ca === undefined ? undefined : Array.isArray(tls.ca) ? tls.ca.map(toPem) : toPem(tls.ca as string | Uint8Array);
  const out: ConnectionOptions = { rejectUnauthorized: tls.rejectUnauthorized ?? true };
  if (ca !== undefined) out.ca = ca;
  const servername = tls.servername ?? (isIP(host) === 0 ? host : undefined);
  if (servername !== undefined) out.servername = servername;
  return out;
}

/** An opener for `tls://host:port`: the TCP packet stream inside TLS, checked as `tls` says. */
export function tlsSocketOpener(tls: ClientTlsOptions = {}): OpenSocket {
  return (url, handlers) => {
    try {
      const { host, port } = parseTcpUrl(url);
      return whenStreamOpen(connect({ host, port, ...nodeTlsOptions(tls, host) }), 'secureConnect', handlers);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  };
}

/** Opens `tls://host:port`, trusting Node's CA list. */
export const openTlsSocket: OpenSocket = tlsSocketOpener();
