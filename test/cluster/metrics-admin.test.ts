import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AdminServer } from '../../src/cluster/admin-server.js';
import { Metrics } from '../../src/cluster/metrics.js';
import type { CpuProfile } from '../../src/cluster/profiling.js';
import { ConfigError } from '../../src/wire/errors.js';

let metrics: Metrics;
let admin: AdminServer;
let base: string;

before(async () => {
  metrics = new Metrics({ labels: { server: 'gate1' } });
  admin = new AdminServer({ registry: metrics.registry, maxProfileSeconds: 5 });
  const address = await admin.start();
  base = `http://127.0.0.1:${address.port}`;
});

after(async () => {
  await admin.close();
  metrics.close();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  return res.text();
}

/** The value of one sample line, e.g. `switchyard_messages_in_total{route="chat.say",server="gate1"}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const all = { ...labels, server: 'gate1' };
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const [series, value] = line.split(' ');
    const body = series.slice(name.length + 1, -1);
    const got = Object.fromEntries(body.split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]).map(([k, v]) => [k, JSON.parse(v) as string]));
    if (Object.entries(all).every(([k, v]) => got[k] === v) && Object.keys(got).length === Object.keys(all).length) return Number(value);
  }
  return undefined;
}

test('the admin server listens on 127.0.0.1 by default', () => {
  assert.equal(admin.address?.host, '127.0.0.1');
  assert.equal(admin.url, base);
});

test('/metrics shows every named series move after the API is called', async () => {
  const before = await scrape();
  for (const name of [
    'switchyard_connections',
    'switchyard_connections_total',
    'switchyard_send_queue_drops_total',
    'switchyard_forward_queue_depth',
  ]) {
    assert.equal(sample(before, name), 0, name);
  }
  assert.ok(sample(before, 'switchyard_event_loop_lag_seconds') !== undefined);
  metrics.connectionOpened();
  metrics.connectionOpened();
  metrics.connectionClosed();
  metrics.messageIn('chat.say');
  metrics.messageIn('chat.say');
  metrics.messageOut('chat.say');
  metrics.requestDone('chat.say', 0.003);
  metrics.error('ERR_HEARTBEAT_TIMEOUT');
  metrics.sendQueueDrop(3);
  metrics.forwardStarted();
  metrics.forwardStarted();
  metrics.forwardSettled();
  // Keep the event loop busy for a moment so the lag gauge has something to show.
  const until = Date.now() + 60;
  await new Promise<void>((resolve) => setTimeout(() => {
    while (Date.now() < until) { /* block */ }
    resolve();
  }, 1));
  await new Promise((r) => setTimeout(r, 30));

  const text = await scrape();
  assert.equal(sample(text, 'switchyard_connections'), 1);
  assert.equal(sample(text, 'switchyard_connections_total'), 2);
  assert.equal(sample(text, 'switchyard_messages_in_total', { route: 'chat.say' }), 2);
  assert.equal(sample(text, 'switchyard_messages_out_total', { route: 'chat.say' }), 1);
  assert.equal(sample(text, 'switchyard_request_duration_seconds_count', { route: 'chat.say' }), 1);
  assert.equal(sample(text, 'switchyard_request_duration_seconds_bucket', { route: 'chat.say', le: '0.0025' }), 0);
  assert.equal(sample(text, 'switchyard_request_duration_seconds_bucket', { route: 'chat.say', le: '0.005' }), 1);
  assert.equal(sample(text, 'switchyard_errors_total', { code: 'ERR_HEARTBEAT_TIMEOUT' }), 1);
  assert.equal(sample(text, 'switchyard_send_queue_drops_total'), 3);
  assert.equal(sample(text, 'switchyard_forward_queue_depth'), 1);
  const lag = sample(text, 'switchyard_event_loop_lag_seconds');
  assert.ok(lag !== undefined && lag > 0.01, `event loop lag ${lag}`);
  assert.match(text, /^# TYPE switchyard_request_duration_seconds histogram$/m);
  assert.match(text, /^switchyard_process_cpu_seconds_total\{server="gate1"\} /m, 'process metrics, prefixed');
});

test('two servers in one process keep separate registries', async () => {
  const other = new Metrics({ processMetrics: false });
  try {
    other.messageIn('chat.say');
    assert.match(await other.text(), /^switchyard_messages_in_total\{route="chat\.say"\} 1$/m);
    assert.equal(sample(await scrape(), 'switchyard_messages_in_total', { route: 'chat.say' }), 2);
  } finally {
    other.close();
  }
});

test('connection counts and errors can be read from a gateway stats source at scrape time', async () => {
  const m = new Metrics({ processMetrics: false });
  try {
    const stats = { connections: 3, connectionsTotal: 5, errors: { ERR_STATE: 2 } as Record<string, number> };
    m.observe(() => stats);
    let text = await m.text();
    assert.match(text, /^switchyard_connections 3$/m);
    assert.match(text, /^switchyard_connections_total 5$/m);
    assert.match(text, /^switchyard_errors_total\{code="ERR_STATE"\} 2$/m);
    stats.connections = 1;
    stats.connectionsTotal = 9;
    stats.errors.ERR_STATE = 3;
    text = await m.text();
    assert.match(text, /^switchyard_connections 1$/m);
    assert.match(text, /^switchyard_connections_total 9$/m);
    assert.match(text, /^switchyard_errors_total\{code="ERR_STATE"\} 3$/m);
  } finally {
    m.close();
  }
});

test('routes beyond maxRoutes count under route="other"', async () => {
  const m = new Metrics({ processMetrics: false, maxRoutes: 2 });
  try {
    for (const r of ['a.one', 'a.two', 'a.three', 'a.four', 'a.one']) m.messageIn(r);
    const text = await m.text();
    assert.match(text, /^switchyard_messages_in_total\{route="a\.one"\} 2$/m);
    assert.match(text, /^switchyard_messages_in_total\{route="other"\} 2$/m);
    assert.doesNotMatch(text, /a\.three/);
  } finally {
    m.close();
  }
});

test('route counts reach each scrape once, and either route counter read alone is current', async () => {
  const m = new Metrics({ processMetrics: false });
  try {
    m.messageIn('chat.say');
    m.messageOut('chat.say', 2);
    let text = await m.text();
    assert.match(text, /^switchyard_messages_in_total\{route="chat\.say"\} 1$/m);
    assert.match(text, /^switchyard_messages_out_total\{route="chat\.say"\} 2$/m);
    text = await m.text();
    assert.match(text, /^switchyard_messages_in_total\{route="chat\.say"\} 1$/m, 'a scrape with nothing new adds nothing');
    assert.match(text, /^switchyard_messages_out_total\{route="chat\.say"\} 2$/m);
    m.messageOut('chat.say');
    const out = await m.registry.getSingleMetric('switchyard_messages_out_total')!.get();
    assert.deepEqual(out.values.map((v) => v.value), [3]);
    m.messageIn('chat.say');
    const [a, b] = await Promise.all([m.text(), m.text()]);
    for (const t of [a, b]) assert.match(t, /^switchyard_messages_in_total\{route="chat\.say"\} 2$/m);
    assert.match(b, /^switchyard_messages_out_total\{route="chat\.say"\} 3$/m);
  } finally {
    m.close();
  }
});

test('/debug/profile?seconds=1 returns a CPU profile with nodes; a second one meanwhile is 409', async () => {
  const first = fetch(`${base}/debug/profile?seconds=1`);
  await new Promise((r) => setTimeout(r, 100));
  const second = await fetch(`${base}/debug/profile?seconds=1`);
  assert.equal(second.status, 409);
  await second.text();
  const res = await first;
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-disposition') ?? '', /\.cpuprofile"/);
  const profile = (await res.json()) as CpuProfile;
  assert.ok(Array.isArray(profile.nodes) && profile.nodes.length > 0);
  assert.equal(profile.nodes[0].callFrame.functionName, '(root)');
  // The profile itself spans the second asked for (its own start and end stamps, in µs).
  assert.ok(profile.endTime - profile.startTime >= 900_000, `profile spans ${profile.endTime - profile.startTime} µs`);
});

test('a client that goes away ends its profile early, freeing the profiler', async () => {
  const gone = new AbortController();
  const abandoned = fetch(`${base}/debug/profile?seconds=5`, { signal: gone.signal }).catch(() => 'aborted');
  await new Promise((r) => setTimeout(r, 100));
  gone.abort();
  assert.equal(await abandoned, 'aborted');
  await new Promise((r) => setTimeout(r, 200));
  const res = await fetch(`${base}/debug/profile?seconds=1`);
  assert.equal(res.status, 200, 'not 409: the abandoned profile stopped');
  await res.json();
});

test('bad seconds are 400', async () => {
  for (const q of ['0', '6', '-1', '1.5', 'abc', '', '1e0']) {
    const res = await fetch(`${base}/debug/profile?seconds=${q}`);
    assert.equal(res.status, 400, `seconds=${q}`);
    assert.match(await res.text(), /seconds must be an integer in 1\.\.5/);
  }
});

test('/debug/heap streams a heap snapshot', async () => {
  const res = await fetch(`${base}/debug/heap`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-disposition') ?? '', /\.heapsnapshot"/);
  const body = await res.text();
  assert.ok(body.startsWith('{"snapshot"'), body.slice(0, 40));
  assert.ok(body.length > 100_000, `snapshot of ${body.length} characters`);
});

test('/healthz, unknown paths and other methods', async () => {
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), 'ok\n');
  const missing = await fetch(`${base}/nope`);
  assert.equal(missing.status, 404);
  await missing.text();
  const post = await fetch(`${base}/metrics`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET');
  await post.text();
});

test('an unhealthy check answers 503; close() ends a running profile with 503', async () => {
  let healthy = false;
  const server = new AdminServer({ health: () => healthy });
  const { port } = await server.start();
  const url = `http://127.0.0.1:${port}`;
  assert.equal((await fetch(`${url}/healthz`)).status, 503);
  healthy = true;
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const profile = fetch(`${url}/debug/profile?seconds=30`);
  await new Promise((r) => setTimeout(r, 100));
  await server.close();
  // A profile run to its end answers 200: 503 shows close() ended it instead of waiting out its 30 s.
  const res = await profile;
  assert.equal(res.status, 503);
  await server.close();
});

test('bad options are ConfigErrors', () => {
  assert.throws(() => new AdminServer({ port: 70000 }), (e: unknown) => e instanceof ConfigError && /admin port must be an integer in 0\.\.65535/.test(e.message));
  assert.throws(() => new AdminServer({ maxProfileSeconds: 0 }), /maxProfileSeconds must be an integer in 1\.\.3600/);
  assert.throws(() => new Metrics({ maxRoutes: 0 }), (e: unknown) => e instanceof ConfigError && /maxRoutes/.test(e.message));
  assert.throws(() => new Metrics({ durationBuckets: [1, 0.5] }), /durationBuckets must be increasing/);
});
