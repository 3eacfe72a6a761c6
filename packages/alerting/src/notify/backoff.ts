/**
 * Retries of a delivery that failed with a retryable error: exponential backoff with full jitter
 * (a delay drawn uniformly from 0 to min(maxBackoff, initialBackoff × 2^(n−1)) before retry n),
 * so receivers coming back from an outage are not hit by every sender at once. A round of
 * attempts ends after `maxAttempts`, or when the next retry would start later than `maxAgeMs`
 * after the round began; the delivery then gives up until its group is flushed again.
 */

export interface RetryPolicy {
  /** Attempts in one round, the first included (default 10). */
  readonly maxAttempts: number;
  /** Upper bound of the first retry's delay (default 1 s); it doubles with each retry... */
  readonly initialBackoffMs: number;
  /** ...up to this (default 1 min). */
  readonly maxBackoffMs: number;
  /**
   * A round retries for this long at most (default: the group's flush interval, `group_interval`,
   * as Alertmanager bounds a flush's retries, so a round ends about when the next flush comes).
   */
  readonly maxAgeMs?: number | undefined;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 10,
  initialBackoffMs: 1_000,
  maxBackoffMs: 60_000,
};

/** The delay before retry `retry` (1 = the second attempt); `random` returns [0, 1). */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}
