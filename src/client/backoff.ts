/** Reconnect policy. */
export interface ReconnectOptions {
  /** Delay before the first attempt, in milliseconds. Default 500. */
  initialDelayMs?: number;
  /** Largest delay between attempts, in milliseconds. Default 30000. */
  maxDelayMs?: number;
  /** Attempts before giving up and closing the client. Default Infinity. */
  maxAttempts?: number;
}

/** {@link ReconnectOptions} with every default filled in. */
export type ReconnectPolicy = Required<ReconnectOptions>;

/** Fills in the defaults. */
export function reconnectPolicy(options: ReconnectOptions): ReconnectPolicy {
  return {
    initialDelayMs: options.initialDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? Infinity,
  };
}

/**
 * Delay before attempt `attempt` (1-based): doubling from `initialDelayMs` up to `maxDelayMs`,
 * then a random point in its upper half, so clients dropped together do not return together.
 */
export function backoffDelay(attempt: number, policy: ReconnectPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}
