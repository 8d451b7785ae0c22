/**
 * Accounting of the soak run's requests. Every request ends in exactly one outcome, so
 * `sent = ok + answeredError + timedOut + droppedOnPurpose + fault + connectionLost` holds at the
 * end, and failures the run caused itself (a connection it closed on purpose while the request was
 * in flight) or a fault it injected caused (see load.ts) are kept apart from the ones that count
 * against the system.
 */

/** How one request ended. */
export type RequestOutcome =
  | { readonly kind: 'ok' }
  /** The server answered with an error code. */
  | { readonly kind: 'answeredError'; readonly code: string }
  /** No answer within the client's deadline: a lost reply. */
  | { readonly kind: 'timedOut' }
  /** The run closed this connection on purpose while the request was in flight. */
  | { readonly kind: 'droppedOnPurpose'; readonly code: string }
  /** A fault the run injected: its connection's gateway was killed, or a typed failure while a backend or NATS was down. */
  | { readonly kind: 'fault'; readonly code: string }
  /** The connection went away without the run closing it. */
  | { readonly kind: 'connectionLost'; readonly code: string };

/** One failed request, for the report. */
export interface FailureSample {
  readonly atMs: number;
  readonly route: string;
  readonly outcome: string;
  readonly message: string;
  readonly client: string;
}

/** Counts of one route. */
interface RouteCounts {
  sent: number;
  ok: number;
  failed: number;
}

/** Upper bounds of the latency buckets, in ms; the last one catches everything slower. */
const BUCKETS_MS = [1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000, 10_000, Infinity];
/** Failures kept word for word in the report; the rest are only counted. */
const MAX_SAMPLES = 30;
const MAX_FAULT_SAMPLES = 10;

/** A fixed-bucket latency histogram: constant memory however long the run. */
class LatencyHistogram {
  readonly #counts = new Array<number>(BUCKETS_MS.length).fill(0);
  #total = 0;
  #max = 0;

  add(ms: number): void {
    const i = BUCKETS_MS.findIndex((b) => ms <= b);
    this.#counts[i]!++;
    this.#total++;
    this.#max = Math.max(this.#max, ms);
  }

  /** The bucket bound below which fraction `q` of the samples fall (an upper estimate). */
  quantile(q: number): number {
    let seen = 0;
    for (const [i, n] of this.#counts.entries()) {
      seen += n;
      if (seen >= q * this.#total && n > 0) return BUCKETS_MS[i] === Infinity ? Math.round(this.#max) : BUCKETS_MS[i]!;
    }
    return 0;
  }

  summary(): { p50: number; p90: number; p99: number; p999: number; max: number } {
    return { p50: this.quantile(0.5), p90: this.quantile(0.9), p99: this.quantile(0.99), p999: this.quantile(0.999), max: Math.round(this.#max) };
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Sends, answers and failures of every request of the run. */
export class RequestLedger {
  readonly #startedAt: number;
  #sent = 0;
  #inFlight = 0;
  #ok = 0;
  #timedOut = 0;
  readonly #answeredErrors = new Map<string, number>();
  readonly #droppedOnPurpose = new Map<string, number>();
  readonly #fault = new Map<string, number>();
  readonly #faultSamples: FailureSample[] = [];
  readonly #connectionLost = new Map<string, number>();
  readonly #routes = new Map<string, RouteCounts>();
  readonly #latency = new LatencyHistogram();
  readonly #samples: FailureSample[] = [];

  constructor(startedAt: number) {
    this.#startedAt = startedAt;
  }

  /** Requests sent whose outcome is not known yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** A request is about to be sent on `route`. */
  sent(route: string): void {
    this.#sent++;
    this.#inFlight++;
    this.#route(route).sent++;
  }

  /** The request on `route` ended with `outcome` after `ms`. */
  ended(route: string, outcome: RequestOutcome, ms: number, detail: { message: string; client: string }): void {
    this.#inFlight--;
    const counts = this.#route(route);
    if (outcome.kind === 'ok') counts.ok++;
    else counts.failed++;
    if (outcome.kind === 'ok' || outcome.kind === 'answeredError') this.#latency.add(ms);
    switch (outcome.kind) {
      case 'ok':
        this.#ok++;
        return;
      case 'answeredError':
        bump(this.#answeredErrors, outcome.code);
        break;
      case 'timedOut':
        this.#timedOut++;
        break;
      case 'droppedOnPurpose':
        bump(this.#droppedOnPurpose, outcome.code);
        return; // expected: not sampled
      case 'fault':
        bump(this.#fault, outcome.code);
        if (this.#faultSamples.length < MAX_FAULT_SAMPLES) this.#faultSamples.push({ atMs: Date.now() - this.#startedAt, route, outcome: `fault:${outcome.code}`, ...detail });
        return;
      case 'connectionLost':
        bump(this.#connectionLost, outcome.code);
        break;
    }
    this.#sample(route, outcome, detail);
  }

  #sample(route: string, outcome: RequestOutcome, detail: { message: string; client: string }): void {
    if (this.#samples.length >= MAX_SAMPLES) return;
    const code = 'code' in outcome ? `:${outcome.code}` : '';
    this.#samples.push({ atMs: Date.now() - this.#startedAt, route, outcome: `${outcome.kind}${code}`, ...detail });
  }

  #route(route: string): RouteCounts {
    let c = this.#routes.get(route);
    if (!c) this.#routes.set(route, (c = { sent: 0, ok: 0, failed: 0 }));
    return c;
  }

  /** Failures that count against the system: every failure but those the run caused on purpose. */
  get unexplainedFailures(): number {
    return sum(this.#answeredErrors) + this.#timedOut + sum(this.#connectionLost);
  }

  /** The figures for the report. */
  summary(): RequestSummary {
    return {
      sent: this.#sent,
      answered: this.#ok + sum(this.#answeredErrors),
      answeredOk: this.#ok,
      inFlightAtEnd: this.#inFlight,
      answeredWithError: Object.fromEntries(this.#answeredErrors),
      timedOut: this.#timedOut,
      failedByDeliberateDisconnect: Object.fromEntries(this.#droppedOnPurpose),
      failedByFault: Object.fromEntries(this.#fault),
      faultSamples: this.#faultSamples,
      failedByUnexpectedDisconnect: Object.fromEntries(this.#connectionLost),
      unexplainedFailures: this.unexplainedFailures,
      latencyMs: this.#latency.summary(),
      byRoute: Object.fromEntries([...this.#routes].sort(([a], [b]) => a.localeCompare(b))),
      failureSamples: this.#samples,
    };
  }
}

/** The request figures of a report. */
export interface RequestSummary {
  sent: number;
  answered: number;
  answeredOk: number;
  inFlightAtEnd: number;
  answeredWithError: Record<string, number>;
  timedOut: number;
  failedByDeliberateDisconnect: Record<string, number>;
  /** Failures a fault the run injected caused, by code (see RELIABILITY.md, "How it counts"). */
  failedByFault: Record<string, number>;
  faultSamples: FailureSample[];
  failedByUnexpectedDisconnect: Record<string, number>;
  unexplainedFailures: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  byRoute: Record<string, RouteCounts>;
  failureSamples: FailureSample[];
}

function sum(map: Map<string, number>): number {
  let n = 0;
  for (const v of map.values()) n += v;
  return n;
}
