/**
 * Latency samples kept in a preallocated array (no allocation per sample on a load loop's hot
 * path), bounded so a long run cannot grow without limit, summarised as percentiles.
 */

/** A latency summary in milliseconds. */
export interface LatencySummary {
  readonly samples: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Collects up to `capacity` samples; later ones replace earlier ones at random (reservoir sampling). */
export class LatencyRecorder {
  readonly #values: Float64Array;
  #count = 0;
  #seen = 0;

  /** @param capacity most samples kept; default two million (16 MB). */
  constructor(capacity = 2_000_000) {
    this.#values = new Float64Array(capacity);
  }

  /** Records one latency in milliseconds. */
  record(ms: number): void {
    this.#seen++;
    if (this.#count < this.#values.length) {
      this.#values[this.#count++] = ms;
      return;
    }
    // Keep a uniform sample of everything seen once the array is full.
    const slot = Math.floor(Math.random() * this.#seen);
    if (slot < this.#values.length) this.#values[slot] = ms;
  }

  summary(): LatencySummary {
    return summarize(this.#values.subarray(0, this.#count));
  }
}

/** Percentiles of `values` (milliseconds; the array is sorted in place). */
export function summarize(values: Float64Array): LatencySummary {
  const n = values.length;
  if (n === 0) return { samples: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  values.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  return {
    samples: n,
    p50: round(percentile(values, 0.5)),
    p90: round(percentile(values, 0.9)),
    p99: round(percentile(values, 0.99)),
    max: round(values[n - 1]!),
    mean: round(sum / n),
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, q: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
