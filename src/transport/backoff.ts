/**
 * Reconnect delays for links between servers: doubling from a first delay up to a ceiling, each
 * drawn from the upper half of its step so that links dropped together (a peer restarting) do not
 * all knock on its door in the same millisecond.
 */

/** How long to wait between reconnect attempts. */
export interface BackoffOptions {
  /** Delay before the first retry after a failure, in milliseconds. Default 100. */
  initialDelayMs?: number;
  /** Largest delay between two attempts, in milliseconds. Default 5000. */
  maxDelayMs?: number;
}

/** {@link BackoffOptions} with the defaults filled in. */
export type BackoffPolicy = Required<BackoffOptions>;

/** Fills in the defaults; refuses delays that are not positive numbers. */
export function backoffPolicy(options: BackoffOptions = {}): BackoffPolicy {
  const policy = { initialDelayMs: options.initialDelayMs ?? 100, maxDelayMs: options.maxDelayMs ?? 5000 };
  if (!(policy.initialDelayMs > 0) || !(policy.maxDelayMs >= policy.initialDelayMs)) {
    throw new TypeError(`backoff needs 0 < initialDelayMs <= maxDelayMs, got ${JSON.stringify(options)}`);
  }
  return policy;
}

/** Delay before retry number `attempt` (1 for the first retry), in milliseconds. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return step / 2 + random() * (step / 2);
}
