/**
 * wss:// and tls:// on the gateway with a certificate made for the test: the SDK connects over both
 * when it trusts the test CA; certificate files replaced on disk reach new connections (seen by
 * their fingerprints) while established ones carry on; a broken file is refused and logged, and the
 * last good certificate stays.
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, test } from 'node:test';
import pino from 'pino';
import WebSocket from 'ws';
import { connect } from '../../src/client/index.js';
import { ConfigError, createApp, Gateway, type Application, type Dispatcher } from '../../src/index.js';
import { waitFor } from '../support/apps.js';
import { RawClient } from '../support/pomelo-raw-client.js';
import { haveOpenssl, TestCa, type IssuedCert } from '../support/test-certs.js';

const skip = haveOpenssl() ? false : 'the openssl command is not installed (node cannot make X.509 certificates itself)';

let ca: TestCa;
let first: IssuedCert;
let second: IssuedCert;
let app: Application;
let wssPort: number;
let tlsPort: number;
const live = { certFile: '', keyFile: '' };
const logLines: string[] = [];

/** Puts `cert`'s files in place of the ones the gateway reads (key first, as a renewal tool would). */
function install(cert: IssuedCert): void {
  copyFileSync(cert.keyFile, live.keyFile);
  copyFileSync(cert.certFile, live.certFile);
}

/** SHA-256 fingerprint of the certificate a new TLS connection to `port` is given. */
function peerFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca: ca.pem }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.destroy();
    });
    s.on('error', reject);
  });
}

async function fingerprintsBecome(expected: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if ((await peerFingerprint(wssPort)) === expected && (await peerFingerprint(tlsPort)) === expected) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

before(async () => {
  if (skip) return;
  ca = new TestCa();
  first = ca.issue('first');
  second = ca.issue('second');
  live.certFile = join(ca.dir, 'live.crt');
  live.keyFile = join(ca.dir, 'live.key');
  install(first);
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  const tls = { ...live, reloadCheckMs: 300 };
  app = createApp({ serverId: 'tls', logger, gateway: { ws: { port: 0, tls }, tcp: { port: 0, tls }, maxPacketSize: 1024 } });
  app.handler('echo', { echo: (b: unknown) => b });
  const addr = await app.start();
  wssPort = addr.ws!.port;
  tlsPort = addr.tcp!.port;
});
after(async () => {
  if (skip) return;
  await app.stop();
  ca.remove();
});

test('the SDK connects with wss:// and tls:// when it trusts the CA, and refuses the server when it does not', { skip }, async () => {
  for (const url of [`wss://127.0.0.1:${wssPort}/`, `wss://localhost:${wssPort}/`, `tls://127.0.0.1:${tlsPort}`, `tls://localhost:${tlsPort}`]) {
    const c = await connect(url, { tls: { ca: ca.pem } });
    assert.equal(await c.request('echo.echo', url), url);
    await c.close();
  }
  for (const url of [`wss://127.0.0.1:${wssPort}/`, `tls://127.0.0.1:${tlsPort}`]) {
    await assert.rejects(connect(url, { handshakeTimeoutMs: 2000 }), { code: 'unavailable' }, url);
  }
});

test('plain clients on TLS ports fail the TLS handshake (counted) and others carry on', { skip }, async () => {
  const good = await connect(`tls://127.0.0.1:${tlsPort}`, { tls: { ca: ca.pem } });
  const before = app.gateway.stats.errors.ERR_TLS_HANDSHAKE ?? 0;
  await assert.rejects(new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${wssPort}/`);
    ws.on('open', resolve);
    ws.on('error', reject);
  }));
  const plain = await RawClient.tcp(tlsPort);
  plain.sendRaw(Buffer.from([1, 0, 0, 2, 0x7b, 0x7d]));
  await plain.closed;
  assert.ok(await waitFor(() => (app.gateway.stats.errors.ERR_TLS_HANDSHAKE ?? 0) >= before + 2), JSON.stringify(app.gateway.stats.errors));
  assert.equal(await good.request('echo.echo', 'ok'), 'ok');
  await good.close();
});

test('maxPacketSize holds inside TLS: an oversized packet kicks only that client', { skip }, async () => {
  const other = await connect(`wss://127.0.0.1:${wssPort}/`, { tls: { ca: ca.pem } });
  const big = await (await RawClient.tls(tlsPort, { ca: ca.pem })).open();
  void big.request('echo.echo', 'x'.repeat(2000));
  await big.closed;
  assert.deepEqual(big.kicks, [{ reason: 'ERR_PACKET_TOO_LARGE' }]);
  assert.equal(await other.request('echo.echo', 'fine'), 'fine');
  await other.close();
});

test('replaced certificate files reach new connections; established ones carry on', { skip }, async () => {
  assert.equal(await peerFingerprint(wssPort), first.fingerprint256);
  assert.equal(await peerFingerprint(tlsPort), first.fingerprint256);
  const established = await connect(`tls://127.0.0.1:${tlsPort}`, { tls: { ca: ca.pem } });
  install(second);
  assert.ok(await fingerprintsBecome(second.fingerprint256), 'new connections see the second certificate');
  assert.ok(logLines.some((l) => l.includes('ws.tls: certificate reloaded')));
  assert.ok(logLines.some((l) => l.includes('tcp.tls: certificate reloaded')));
  assert.equal(await established.request('echo.echo', 'still'), 'still');
  const fresh = await connect(`wss://127.0.0.1:${wssPort}/`, { tls: { ca: ca.pem } });
  assert.equal(await fresh.request('echo.echo', 'new'), 'new');
  await established.close();
  await fresh.close();
});

test('a broken certificate file, or a key that does not match, is refused with a log line; the last good one stays', { skip }, async () => {
  // One line per acceptor (ws.tls and tcp.tls read the same files here).
  const refusals = (): number => logLines.filter((l) => l.includes('tcp.tls: new certificate refused')).length;
  const wsRefusals = (): number => logLines.filter((l) => l.includes('ws.tls: new certificate refused')).length;
  const start = refusals();
  const startWs = wsRefusals();
  writeFileSync(live.certFile, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
  assert.ok(await waitFor(() => refusals() === start + 1, 5000), 'the broken file is logged');
  assert.ok(await waitFor(() => wsRefusals() === startWs + 1, 5000));
  assert.equal(await peerFingerprint(tlsPort), second.fingerprint256);
  // The first certificate with the second's key: a mismatched pair.
  copyFileSync(first.certFile, live.certFile);
  assert.ok(await waitFor(() => refusals() === start + 2 && wsRefusals() === startWs + 2, 5000), 'the mismatched pair is logged');
  assert.equal(await peerFingerprint(wssPort), second.fingerprint256);
  const c = await connect(`tls://127.0.0.1:${tlsPort}`, { tls: { ca: ca.pem } });
  assert.equal(await c.request('echo.echo', 'unharmed'), 'unharmed');
  await c.close();
  // Periodic checks do not log the same broken pair again.
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(refusals(), start + 2);
  assert.equal(wsRefusals(), startWs + 2);
  // A good pair again is taken.
  install(first);
  assert.ok(await fingerprintsBecome(first.fingerprint256));
});

test('unusable certificate files are refused at start-up with a ConfigError naming the option', { skip }, () => {
  const dispatcher: Dispatcher = { dispatch: () => {}, isPublic: () => false };
  const missing = { certFile: join(ca.dir, 'nope.crt'), keyFile: join(ca.dir, 'nope.key') };
  assert.throws(() => new Gateway({ serverId: 'x', tcp: { port: 0, tls: missing } }, dispatcher), (e: unknown) => e instanceof ConfigError && /tcp\.tls/.test(e.message));
  const mismatched = { certFile: first.certFile, keyFile: second.keyFile };
  assert.throws(() => new Gateway({ serverId: 'x', ws: { port: 0, tls: mismatched } }, dispatcher), (e: unknown) => e instanceof ConfigError && /ws\.tls/.test(e.message));
  assert.throws(() => new Gateway({ serverId: 'x', ws: { port: 0, tls: { certFile: '', keyFile: 'k' } } }, dispatcher), (e: unknown) => e instanceof ConfigError && /ws\.tls\.certFile/.test(e.message));
});

test('a refused address is dropped before its TLS handshake costs anything', { skip }, async () => {
  const dispatcher: Dispatcher = { dispatch: () => {}, isPublic: () => false };
  const gw = new Gateway({ serverId: 'tlsallow', tcp: { port: 0, tls: { certFile: first.certFile, keyFile: first.keyFile } }, allowAddress: (a) => a !== '127.0.0.2' }, dispatcher);
  const { tcp } = await gw.start();
  try {
    const attempt = (localAddress: string): Promise<string> =>
      new Promise((resolve) => {
        const s = tlsConnect({ socket: netConnect({ host: '127.0.0.1', port: tcp!.port, localAddress }), ca: ca.pem }, () => {
          resolve('secure');
          s.destroy();
        });
        s.on('error', () => resolve('refused'));
      });
    assert.equal(await attempt('127.0.0.2'), 'refused');
    assert.equal(await attempt('127.0.0.1'), 'secure');
    assert.equal(gw.stats.errors.ERR_ADDRESS_REFUSED, 1);
    assert.equal(gw.stats.errors.ERR_TLS_HANDSHAKE, undefined);
  } finally {
    await gw.close();
  }
});
