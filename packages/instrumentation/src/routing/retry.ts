/**
 * How long to wait before retrying a failed call. The router is the only retry loop (provider
 * clients run without retries), as in LiteLLM: a provider's Retry-After is honoured up to a
 * cap, and otherwise the wait grows exponentially. No jitter: callers that share a provider
 * are spread by the provider's own Retry-After, and the waits stay predictable in tests.
 */
import type { RoutingConfig } from '../config/schema.js';
import type { ProviderError, ProviderErrorKind } from '../types.js';

export class RetryPolicy {
  readonly #retryOn: ReadonlySet<ProviderErrorKind>;
  readonly numRetries: number;
  readonly #initialMs: number;
  readonly #maxBackoffMs: number;
  readonly #maxRetryAfterMs: number;

  constructor(settings: RoutingConfig['retry']) {
    this.#retryOn = new Set(settings.retry_on);
    this.numRetries = settings.num_retries;
    this.#initialMs = settings.initial_backoff_ms;
    this.#maxBackoffMs = settings.max_backoff_ms;
    this.#maxRetryAfterMs = settings.max_retry_after_ms;
  }

  isRetryable(kind: ProviderErrorKind): boolean {
    return this.#retryOn.has(kind);
  }

  /** The wait before retry number `retry` (0 = the first retry) after `error`. */
  delayMs(error: ProviderError, retry: number): { ms: number; retryAfter: boolean } {
    const retryAfterMs = error.options.retryAfterMs;
    if (retryAfterMs !== undefined && retryAfterMs >= 0) {
      return { ms: Math.min(retryAfterMs, this.#maxRetryAfterMs), retryAfter: true };
    }
    return { ms: Math.min(this.#initialMs * 2 ** retry, this.#maxBackoffMs), retryAfter: false };
  }
}
