/**
 * The soak run, shortened to 15 seconds, twice: `scripts/soak.ts --minutes 0.25` in a child process, with
 * real etcd, NATS and Redis, two gateways and two backends. Its report must show requests answered,
 * no expected push lost to a client that stayed connected, and no failed request except those the
 * run caused itself: the run closes a connection on purpose about once a second, and a request in
 * flight on it then fails with `unavailable` (socket closed under the SDK) or `cancelled` (client
 * closed); those are counted apart, under `failedByDeliberateDisconnect`, and allowed here.
 *
 * The second variant runs half the clients with resumable sessions (the SDK's reconnect with
 * both gateways' URLs), puts gate1's TCP and gate2's WebSocket port behind TLS, runs gate1 as two
 * workers and connects the servers with TCP pools instead of NATS: the sessions
 * whose socket the run closes must come back whole, the pushes sent meanwhile replayed once each
 * and in order. It kills no process: a NATS restart can still lose a push in flight (NATS delivers
 * at most once), and a kill takes seconds to recover from, more than a 15-second run can judge;
 * faults are for `npm run soak -- --faults` (RELIABILITY.md, "What the faulted soak found").
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SoakReport } from '../../scripts/soak/report.js';
import { haveOpenssl } from '../support/test-certs.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/soak.ts', import.meta.url));

/** Runs the soak script; resolves with its exit code and everything it printed. */
function runSoak(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // If this test process dies first, the soak run must not outlive it: SIGTERM makes it kill its children.
  const stop = (): void => void child.kill('SIGTERM');
  process.once('exit', stop);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', stop);
      resolve({ code, output });
    }),
  );
}

/** Runs the soak with `args` and checks the promises both variants keep; returns the report. */
async function soakAndCheck(args: readonly string[]): Promise<{ report: SoakReport; why: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'yard-soak-smoke-'));
  try {
    const file = join(dir, 'report.json');
    const { code, output } = await runSoak([...args, '--report', file]);
    assert.ok(code === 0 || code === 1, `the soak run itself failed (exit ${code}):\n${output}`);
    const report = JSON.parse(readFileSync(file, 'utf8')) as SoakReport;
    const { requests, pushes } = report;
    const why = `\n${output}`;
    assert.deepEqual(report.faults, [], `a run without fault options injected faults${why}`);
    assert.ok(requests.answered > 0, `no request answered${why}`);
    assert.equal(requests.inFlightAtEnd, 0, why);
    assert.deepEqual(requests.answeredWithError, {}, why);
    assert.equal(requests.timedOut, 0, why);
    assert.deepEqual(requests.failedByUnexpectedDisconnect, {}, why);
    assert.equal(requests.unexplainedFailures, 0, why);
    for (const c of Object.keys(requests.failedByDeliberateDisconnect)) assert.ok(c === 'unavailable' || c === 'cancelled', `deliberate disconnects failed a request with ${c}${why}`);
    assert.ok(pushes.expected > 0, `no push was expected${why}`);
    assert.equal(pushes.lost, 0, `pushes lost to connected clients: ${JSON.stringify(pushes.lostByReceiver, null, 1)}${why}`);
    assert.equal(pushes.delivered, pushes.expected, why);
    assert.equal(pushes.duplicates, 0, why);
    assert.equal(pushes.outOfOrder, 0, why);
    assert.equal(pushes.misdelivered, 0, why);
    return { report, why };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a 15-second soak: requests answered, no push lost to connected clients, no failure it did not cause', { timeout: 120_000 }, async () => {
  const { report, why } = await soakAndCheck(['--minutes', '0.25', '--clients', '100']);
  assert.deepEqual(report.requests.failedByFault, {}, why);
});

test('a 15-second soak with resumable sessions, TLS, gateway workers and TCP pools of four connections between servers: the same, and sessions whose socket closed come back whole', { timeout: 120_000, skip: !haveOpenssl() && 'openssl is not installed' }, async () => {
  // A deliberate disconnect every 500 ms, half of them sockets closed under the SDK, half the clients resumable: some sessions resume.
  const args = ['--minutes', '0.25', '--clients', '100', '--resumable', '0.5', '--tls', '--drop-every-ms', '500', '--gateway-workers', '2', '--transport', 'tcp', '--pool-size', '4'];
  const { report, why } = await soakAndCheck(args);
  assert.equal(report.settings.poolSize, 4, why);
  assert.deepEqual(report.requests.failedByFault, {}, why);
  assert.ok((report.connections.resumes['deliberate:resumed'] ?? 0) > 0, `no session resumed${why}`);
  for (const [key, n] of Object.entries(report.connections.resumes)) assert.ok(key === 'deliberate:resumed', `${n} resumable sessions came back as ${key}${why}`);
  assert.equal(report.pushes.missedOverResync, 0, why);
  assert.ok(report.verdict.ok, `verdict: ${report.verdict.problems.join('; ')}${why}`);
});
