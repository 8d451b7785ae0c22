/**
 * The soak run's command line. Load options shape the steady load; fault options add processes
 * killed and restarted during it, resumable sessions, TLS and gateway workers. `--faults` turns on
 * a mix of all of them; an explicit option still overrides its part of the mix.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** Kinds of fault the run can inject at intervals (see faults.ts). */
export type FaultKind = 'kill-backend' | 'kill-gateway' | 'restart-nats';

/** How the servers call each other: NATS, or TCP connection pools. */
export type ServerTransportKind = 'nats' | 'tcp';

/** Run settings after parsing. */
export interface Settings {
  readonly minutes: number;
  readonly clients: number;
  readonly rooms: number;
  readonly thinkMs: readonly [number, number];
  readonly dropEveryMs: number;
  readonly reportFile: string;
  /** Seconds backend soak1 is paused a third into the run; 0 = no fault. */
  readonly pauseBackendSec: number;
  /** Faults injected in turn, one every `faultEverySec`; empty = none. */
  readonly faults: readonly FaultKind[];
  /** Seconds between the end of one fault and the start of the next (the first comes after warm-up). */
  readonly faultEverySec: number;
  /** Share of clients with resumable sessions (SDK reconnect with both gateways' URLs); 0 = none. */
  readonly resumable: number;
  /** gate1's TCP port and gate2's WebSocket port speak TLS (certificate made at start). */
  readonly tls: boolean;
  /** Worker processes of gate1 (node:cluster); 1 = a single process. */
  readonly gatewayWorkers: number;
  /** The clients' request deadline, in ms. */
  readonly timeoutMs: number;
  /** Between servers: NATS (default) or TCP pools (then NATS is not restarted: nothing uses it). */
  readonly transport: ServerTransportKind;
  /** Connections per peer of the TCP pools (`--transport tcp`); undefined = the transport's default. */
  readonly poolSize: number | undefined;
}

/** Request deadline of the clients without faults, in ms. */
const TIMEOUT_MS = 10_000;
/**
 * With a process killed under load: the gateway's own deadline for a forwarded call is 10 s
 * (ClusterOptions.callTimeoutMs), and a client must outlast it to see the gateway's typed answer
 * for a call the dead backend swallowed, rather than its own timer.
 */
const FAULT_TIMEOUT_MS = 15_000;
const ALL_FAULTS: readonly FaultKind[] = ['kill-backend', 'kill-gateway', 'restart-nats'];

function number(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in ${min}..${max}, got ${value}`);
  return n;
}

/** Parses the command line; throws on anything unknown or out of range. */
export function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string' },
      clients: { type: 'string' },
      rooms: { type: 'string' },
      'think-ms': { type: 'string' },
      'drop-every-ms': { type: 'string' },
      report: { type: 'string' },
      'pause-backend': { type: 'string' },
      faults: { type: 'boolean' },
      'kill-backend': { type: 'boolean' },
      'kill-gateway': { type: 'boolean' },
      'restart-nats': { type: 'boolean' },
      'fault-every': { type: 'string' },
      resumable: { type: 'string' },
      tls: { type: 'boolean' },
      'gateway-workers': { type: 'string' },
      'timeout-ms': { type: 'string' },
      transport: { type: 'string' },
      'pool-size': { type: 'string' },
    },
    strict: true,
  });
  const think = /^(\d+)-(\d+)$/.exec(values['think-ms'] ?? '150-450');
  if (!think || Number(think[1]) > Number(think[2])) throw new Error(`--think-ms must be MIN-MAX in ms, got ${values['think-ms']}`);
  const mix = values.faults === true;
  const transport = values.transport ?? 'nats';
  if (transport !== 'nats' && transport !== 'tcp') throw new Error(`--transport must be nats or tcp, got ${transport}`);
  if (transport === 'tcp' && values['restart-nats'] === true) throw new Error('--restart-nats needs --transport nats');
  if (transport !== 'tcp' && values['pool-size'] !== undefined) throw new Error('--pool-size needs --transport tcp');
  const faults = ALL_FAULTS.filter((k) => (k === 'restart-nats' && transport === 'tcp' ? false : (values[k] ?? mix)));
  const resumable = number(values.resumable, 'resumable', mix || faults.includes('kill-gateway') ? 0.3 : 0, 0, 1);
  const timeoutDefault = faults.length > 0 ? FAULT_TIMEOUT_MS : TIMEOUT_MS;
  return {
    minutes: number(values.minutes, 'minutes', 10, 0.05, 24 * 60),
    clients: Math.round(number(values.clients, 'clients', 200, 2, 5000)),
    rooms: Math.round(number(values.rooms, 'rooms', 10, 1, 1000)),
    thinkMs: [Number(think[1]), Number(think[2])],
    dropEveryMs: number(values['drop-every-ms'], 'drop-every-ms', 1000, 50, 3_600_000),
    reportFile: resolve(values.report ?? 'soak-report.json'),
    pauseBackendSec: number(values['pause-backend'], 'pause-backend', 0, 0, 600),
    faults,
    faultEverySec: number(values['fault-every'], 'fault-every', 15, 1, 3600),
    resumable,
    tls: values.tls ?? mix,
    gatewayWorkers: Math.round(number(values['gateway-workers'], 'gateway-workers', mix ? 2 : 1, 1, 8)),
    timeoutMs: number(values['timeout-ms'], 'timeout-ms', timeoutDefault, 100, 600_000),
    transport,
    poolSize: values['pool-size'] === undefined ? undefined : Math.round(number(values['pool-size'], 'pool-size', 1, 1, 256)),
  };
}
