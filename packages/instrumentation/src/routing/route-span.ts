/**
 * The routing span: the parent of every provider-call span of one `complete()` (retries,
 * fallbacks, attempts of the client's own loop). It deliberately carries no `gen_ai.*` or
 * `agentmeter.*` attribute: the ingester stores every span with those as an LLM call, and a
 * routing span stored as one would add a zero-token call per routed call to every rollup. The
 * routing story (fallbacks, retries, cooldown skips) is told by its events instead.
 */
import { SpanKind, type Span, type Tracer } from '@opentelemetry/api';

/** Span name prefix; the category follows. */
export const ROUTE_SPAN_PREFIX = 'agentmeter.route';

/** Event names and their attribute keys on the routing span. */
export const RouteEvent = {
  /** A call failed with a retryable error and is retried after `wait_ms`. */
  RETRY: 'agentmeter.route.retry',
  /** The router switched to another model (`reason`: context_window, content_policy, default, cooldown). */
  FALLBACK: 'agentmeter.route.fallback',
  /** An attempt of the client's own loop failed or was not accepted; the next one follows. */
  ATTEMPT_FAILED: 'agentmeter.route.attempt_failed',
  /** A provider entered its cooldown after too many failures. */
  COOLDOWN: 'agentmeter.route.cooldown',
} as const;

export const RouteEventKey = {
  FROM: 'from',
  TO: 'to',
  REASON: 'reason',
  WAIT_MS: 'wait_ms',
  RETRY_AFTER: 'retry_after',
  PROVIDER: 'provider',
  ATTEMPT: 'attempt',
} as const;

export function startRouteSpan(tracer: Tracer, category: string): Span {
  return tracer.startSpan(`${ROUTE_SPAN_PREFIX} ${category}`, { kind: SpanKind.INTERNAL });
}
