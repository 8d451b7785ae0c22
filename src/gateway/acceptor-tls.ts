import type { Server as TlsServer } from 'node:tls';
import type { AcceptHost, AcceptorLimits } from './acceptor.js';
import type { TlsFileOptions } from './options.js';
import { loadCertPair, TlsCertReloader } from './tls-cert-reloader.js';

/** What an acceptor's TLS server is built with: the certificate pair and the handshake deadline. */
export interface AcceptorTlsOptions {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** A TLS handshake must finish within this many ms. */
  readonly handshakeTimeout: number;
}

/** An acceptor's TLS server and the reloader that keeps its certificate current once started. */
export interface AcceptorTls<S extends TlsServer> {
  readonly server: S;
  readonly reloader: TlsCertReloader;
}

/**
 * Counts a client that failed its TLS handshake (plain text on a TLS port, no common cipher, too
 * slow). A client that hangs up mid-handshake is not counted: it is a client leaving, and also what
 * a refused address and a client rejecting the certificate look like from here.
 */
function tlsClientFailed(host: AcceptHost, err: Error & { code?: string }, acceptor: string): void {
  if (err.code === 'ECONNRESET') return;
  host.countError('ERR_TLS_HANDSHAKE');
  host.logger.debug({ err, acceptor }, 'client failed the TLS handshake');
}

/**
 * Builds an acceptor's TLS server (`tls.Server` for TCP, `https.Server` for WebSocket) the one way
 * both acceptors serve TLS: the certificate files loaded and checked at start-up (a ConfigError
 * naming `option` when unusable), failed client handshakes counted, and a reloader that swaps in a
 * renewed certificate without a restart. The acceptor starts the reloader once it listens and
 * closes it when it closes.
 * @param option the acceptor's option name in errors and log lines (`ws.tls`, `tcp.tls`).
 */
export function acceptorTls<S extends TlsServer>(
  option: string,
  files: TlsFileOptions,
  host: AcceptHost,
  limits: AcceptorLimits,
  create: (options: AcceptorTlsOptions) => S,
): AcceptorTls<S> {
  const pair = loadCertPair(option, files);
  const server = create({ ...pair, handshakeTimeout: limits.handshakeTimeoutMs });
  server.on('tlsClientError', (err: Error) => tlsClientFailed(host, err, option));
  return { server, reloader: new TlsCertReloader(option, files, server, pair, host.logger) };
}
