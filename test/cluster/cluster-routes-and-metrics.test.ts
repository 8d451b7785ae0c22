/**
 * A running multi-process cluster whose gateway routes by the seed's route tables: a new valid
 * message_map.json re-routes at once, a broken one is refused and the old routes keep working.
 * And each server's /metrics answers with the named series, moving with traffic.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import { startServer, stopServer, writeConfig, type ServerProc } from '../support/cluster-procs.js';
import { until } from '../support/poll.js';
import { freePort } from '../support/services.js';

const procs: ServerProc[] = [];
let routesDir: string;
let gateAdmin: number;
let chatAdmin: number;
let chat2Admin: number;
let client: Client;

/** Replaces a file the way editors and deploy tools do: write aside, rename over. */
function replace(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

before(async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  routesDir = mkdtempSync(join(tmpdir(), 'yard-routes-'));
  writeFileSync(
    join(routesDir, 'dest_map.json'),
    JSON.stringify({
      '1': { poolNums: 4, srvAddr: `127.0.0.1:${p1}`, srvName: 'chat1' },
      '2': { poolNums: 4, srvAddr: `127.0.0.1:${p2}`, srvName: 'chat2' },
    }),
  );
  writeFileSync(join(routesDir, 'message_map.json'), JSON.stringify({ '100': 1 }));
  [gateAdmin, chatAdmin, chat2Admin] = [await freePort(), await freePort(), await freePort()];
  const config = writeConfig({
    app: resolve('test/cluster/fixtures/cluster-test-app.ts'),
    routes: routesDir,
    dictionary: { 'probe.whoami': 100 },
    servers: [
      { id: 'gate1', type: 'gateway', port: await freePort(), ws: await freePort(), admin: gateAdmin },
      { id: 'chat1', type: 'chat', port: p1, services: ['chat', 'probe'], admin: chatAdmin },
      { id: 'chat2', type: 'chat', port: p2, services: ['chat', 'probe'], admin: chat2Admin },
    ],
  });
  procs.push(...(await Promise.all([startServer(config, 'chat1'), startServer(config, 'chat2')])));
  const gate = await startServer(config, 'gate1');
  procs.push(gate);
  client = await connect(`ws://127.0.0.1:${gate.ws}/`);
});

after(async () => {
  await client?.close();
  await Promise.all(procs.map((p) => stopServer(p)));
});

async function servedBy(): Promise<string> {
  return ((await client.request('probe.whoami', {})) as { server: string }).server;
}

test('message id 100 goes where message_map.json says; a valid change re-routes; a broken file is refused', async () => {
  for (let i = 0; i < 5; i++) assert.equal(await servedBy(), 'chat1');
  replace(join(routesDir, 'message_map.json'), JSON.stringify({ '100': 2 }));
  await until(async () => (await servedBy()) === 'chat2', 10_000, 're-routed to destination 2', 100);
  replace(join(routesDir, 'message_map.json'), '{ "100": ');
  await new Promise((r) => setTimeout(r, 2500));
  for (let i = 0; i < 5; i++) assert.equal(await servedBy(), 'chat2', 'the last good table stays in force');
  const gate = procs.find((p) => p.id === 'gate1')!;
  assert.match(gate.output, /message_map\.json/, 'the refusal is logged with the file name');
  replace(join(routesDir, 'message_map.json'), JSON.stringify({ '100': 7 }));
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(await servedBy(), 'chat2', 'a mapping to an unknown destination is refused too');
});

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

/** The value of `name` on the line carrying the label `label` (e.g. `route="a.b"`), 0 if none. */
function value(text: string, name: string, label = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

test('/metrics answers with the named series and they move with traffic', async () => {
  const before = await scrape(gateAdmin);
  for (const name of [
    'switchyard_connections',
    'switchyard_connections_total',
    'switchyard_messages_in_total',
    'switchyard_messages_out_total',
    'switchyard_request_duration_seconds',
    'switchyard_errors_total',
    'switchyard_send_queue_drops_total',
    'switchyard_forward_queue_depth',
    'switchyard_event_loop_lag_seconds',
  ]) {
    assert.match(before, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  const inBefore = value(before, 'switchyard_messages_in_total', 'route="probe.whoami"');
  for (let i = 0; i < 10; i++) await servedBy();
  await assert.rejects(client.request('probe.fail', {}));
  const afterText = await scrape(gateAdmin);
  assert.equal(value(afterText, 'switchyard_messages_in_total', 'route="probe.whoami"') - inBefore, 10);
  assert.ok(value(afterText, 'switchyard_connections') >= 1);
  assert.ok(value(afterText, 'switchyard_request_duration_seconds_count', 'route="probe.whoami"') >= 10);
  const backends = [await scrape(chatAdmin), await scrape(chat2Admin)];
  const refusals = backends.reduce((n, t) => n + value(t, 'switchyard_errors_total', 'code="permission_denied"'), 0);
  assert.equal(refusals, 1, 'the backend that ran probe.fail counted its error code');
  assert.match(backends.join('\n'), /switchyard_request_duration_seconds_count\{[^}]*route="probe\.whoami"/);
});
