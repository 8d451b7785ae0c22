/**
 * The cluster the cross-gateway resume tests run: etcd, NATS and Redis as processes, two gateways
 * (gateA, gateB) with resumable sessions and the Redis session registry, and one chat backend
 * (chat1) serving the chat demo and the probes of cluster-test-app.ts. Plus what those tests read
 * back: the snapshots the gateways keep in Redis.
 */
import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { Client } from '../../src/client/index.js';
import { startServer, stopServer, writeConfig, type ServerProc } from '../support/cluster-procs.js';
import { freePort, startEtcd, startNats, startRedis, type EtcdService, type NatsService, type RedisService } from '../support/services.js';

export interface ResumeCluster {
  readonly etcd: EtcdService;
  readonly nats: NatsService;
  readonly redis: RedisService;
  readonly gateA: ServerProc;
  readonly gateB: ServerProc;
  readonly chat: ServerProc;
  /** The cluster's config file. */
  readonly config: string;
  /** Starts server `id` again (after it was stopped); stopped with the others. */
  start(id: string): Promise<ServerProc>;
  /** Stops every server still running, then the services. */
  stop(): Promise<void>;
}

export interface ResumeClusterOptions {
  /** The gateways' `resume` option. Default `{ graceMs: 10000 }`. */
  resume?: Record<string, number>;
  /** The config's shutdownTimeoutMs (how long a stopping server may take). Default: the app's. */
  shutdownTimeoutMs?: number;
  /** The config's sessionCopies (how backends check their copies). Default: the app's. */
  sessionCopies?: Record<string, number>;
}

/** Starts the services, writes the config, starts chat1 and then both gateways. */
export async function startResumeCluster(options: ResumeClusterOptions = {}): Promise<ResumeCluster> {
  const [etcd, nats, redis] = await Promise.all([startEtcd(), startNats(), startRedis()]);
  const gateway = { resume: options.resume ?? { graceMs: 10_000 } };
  const config = writeConfig({
    app: resolve('test/cluster/fixtures/cluster-test-app.ts'),
    discovery: { kind: 'etcd', endpoints: [etcd.endpoint], ttlSec: 2 },
    transport: { kind: 'nats', servers: nats.url },
    registry: { kind: 'redis', url: redis.url },
    ...(options.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: options.shutdownTimeoutMs }),
    ...(options.sessionCopies === undefined ? {} : { sessionCopies: options.sessionCopies }),
    servers: [
      { id: 'gateA', type: 'gateway', ws: await freePort(), tcp: await freePort(), gateway },
      { id: 'gateB', type: 'gateway', ws: await freePort(), tcp: await freePort(), gateway },
      { id: 'chat1', type: 'chat', services: ['chat', 'probe'] },
    ],
  });
  const procs: ServerProc[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map((p) => stopServer(p)));
    await Promise.all([etcd.stop(), nats.stop(), redis.stop()]);
  };
  try {
    const chat = await startServer(config, 'chat1');
    procs.push(chat);
    const [gateA, gateB] = await Promise.all([startServer(config, 'gateA'), startServer(config, 'gateB')]);
    procs.push(gateA, gateB);
    const start = async (id: string): Promise<ServerProc> => {
      const p = await startServer(config, id);
      procs.push(p);
      return p;
    };
    return { etcd, nats, redis, gateA, gateB, chat, config, start, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Resolves with the next push on `route`. */
export function nextPush<T>(client: Client, route: string): Promise<T> {
  return new Promise((res) => {
    const fn = (body: unknown): void => {
      client.off(route, fn);
      res(body as T);
    };
    client.on(route, fn);
  });
}

/** A resumable session's snapshot as a gateway keeps it in Redis. */
export interface StoredSnapshot {
  /** The session's id at the gateway that saved it. */
  sessionId?: string;
  /** Servers holding copies of the session. */
  servedBy?: string[];
  data: Record<string, unknown>;
  groups: string[];
  /** Number of the last push (snapshots of a handover only). */
  seq?: number;
  /** Pushes kept with it, base64 (snapshots of a handover only). */
  pushes?: string[];
  /** How many snapshots name this uid. */
  copies: number;
}

/** Snapshots the gateways keep in Redis, by uid. */
export async function storedSnapshots(raw: Redis): Promise<Map<string, StoredSnapshot>> {
  const out = new Map<string, StoredSnapshot>();
  for (const key of await raw.keys('switchyard:resume:*')) {
    const value = await raw.get(key);
    if (!value) continue;
    const snap = JSON.parse(value) as Omit<StoredSnapshot, 'copies'> & { uid?: string };
    if (snap.uid) out.set(snap.uid, { ...snap, copies: (out.get(snap.uid)?.copies ?? 0) + 1 });
  }
  return out;
}
