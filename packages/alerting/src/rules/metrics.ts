/**
 * The metric catalogue, spelled once: what a threshold or anomaly rule's `metric` names, as a
 * formula (`formula.ts`) over aggregates of the rollup tables' rows (their measure columns,
 * `MEASURES` in `@agentmeter/schema`). The rows are read from the tables, never the `_view`s,
 * because a view finalises per row and a window spans many rows: sums are summed again and
 * latency states are merged with `quantilesTDigestMerge`, so p95 over a window is the window's
 * p95. A formula with a quantile leaf is aggregated by the engine (`window-quantiles.ts`); the
 * others from a window's sums by dimension (`window-sums.ts`).
 */
import { ErrorCategory } from '@agentmeter/conventions';
import { ROLLUP_DIMENSIONS } from '@agentmeter/schema';
import {
  add,
  div,
  errorsOf,
  leavesOf,
  max,
  min,
  mul,
  perHour,
  quantile,
  readsShare,
  share,
  sub,
  sum,
  type Formula,
} from './formula.js';

export type Dimension = (typeof ROLLUP_DIMENSIONS)[number];

export interface Metric {
  readonly value: Formula;
  /**
   * A ratio, quantile or score: it says little on a few requests (rules set `min_requests`),
   * and a series absent from a window has no value. Otherwise a sum: absent means 0.
   */
  readonly perRequest: boolean;
  /** The series' share of its scope: `part` selects what is counted, `where` the scope. */
  readonly share: boolean;
  /** Its value needs merged latency states, which only the engine can merge. */
  readonly quantiles: boolean;
  /**
   * Without this being above 0 the series gets no verdict: nothing shows the feature measured
   * is in use there (the rollups count response-cache hits, not lookups).
   */
  readonly inUse?: Formula;
}

const metric = (value: Formula, perRequest: boolean, inUse?: Formula): Metric => ({
  value,
  perRequest,
  share: readsShare(value),
  quantiles: leavesOf(value).some((l) => l.op === 'quantile'),
  ...(inUse === undefined ? {} : { inUse }),
});

/** A sum over the window: an absent series is 0. */
const total = (value: Formula): Metric => metric(value, false);

/** A ratio, quantile or score of the window's calls. */
const perRequest = (value: Formula, inUse?: Formula): Metric => metric(value, true, inUse);

/** Calls in the series: a sample's `requests`, and what `min_requests` counts. */
export const REQUESTS = sum('requests');
const perCall = (x: Formula): Formula => div(x, REQUESTS);
const RATE_LIMITED = errorsOf(ErrorCategory.RATE_LIMIT);
const P95 = quantile('duration_ms_quantiles', 0.95);

/**
 * Seed 004 gives the bands (below 70 warning, below 50 critical), not the formula; this one
 * puts them where seed 001's and 004's thresholds are: 100 minus 60 × error rate / 10 %, minus
 * 30 × how far p95 latency is past 2 s (all of it at 4 s), minus 10 × rate-limit denials / 10 %,
 * each part capped at its weight. 5 % errors alone give 70, 10 % give 40.
 */
const HEALTH_SCORE = sub(
  sub(
    sub(100, mul(60, min(1, div(perCall(sum('errors')), 0.1)))),
    mul(30, min(1, div(max(0, sub(P95, 2000)), 2000))),
  ),
  mul(10, min(1, div(perCall(RATE_LIMITED), 0.1))),
);

export const METRICS = {
  /** Provider calls (LLM spans) in the window. */
  requests: total(REQUESTS),
  error_rate: perRequest(perCall(sum('errors'))),
  success_rate: perRequest(sub(1, perCall(sum('errors')))),
  latency_avg_ms: perRequest(perCall(sum('duration_ms_sum'))),
  latency_p50_ms: perRequest(quantile('duration_ms_quantiles', 0.5)),
  latency_p95_ms: perRequest(P95),
  latency_p99_ms: perRequest(quantile('duration_ms_quantiles', 0.99)),
  /** Time to first token of streamed calls; a series without one has no value. */
  ttft_p95_ms: perRequest(quantile('ttft_ms_quantiles', 0.95)),
  cost_usd: total(sum('cost_usd')),
  /** Cost in the window per hour of the window elapsed (the filling minute up to now). */
  cost_usd_per_hour: total(perHour(sum('cost_usd'))),
  /** Input (cache reads and writes included, GenAI semconv) plus output tokens. */
  tokens: total(add(sum('input_tokens'), sum('output_tokens'))),
  input_tokens: total(sum('input_tokens')),
  output_tokens: total(sum('output_tokens')),
  /**
   * Seed 001's cache hit rate: calls answered by the response cache, per call. Only hits are
   * recorded, so a series without any hit (no response cache there) gets no verdict.
   */
  cache_hit_rate: perRequest(perCall(sum('cache_hits')), sum('cache_hits')),
  /** The provider's prompt cache: share of input tokens read from it. */
  prompt_cache_hit_rate: perRequest(
    div(sum('cache_read_tokens'), sum('input_tokens')),
    add(sum('cache_read_tokens'), sum('cache_write_tokens')),
  ),
  /** Calls that failed with a rate-limit error (429, overloaded), per call. */
  rate_limit_denial_rate: perRequest(perCall(RATE_LIMITED)),
  /** Share of provider calls that ran on an escalation model (docs/schema.md). */
  escalation_rate: perRequest(perCall(sum('escalations'))),
  quota_blocks: total(sum('quota_blocks')),
  budget_blocks: total(sum('budget_blocks')),
  /** Quota and budget downgrades together: the rollups count them in one measure. */
  downgrades: total(sum('downgrades')),
  unpriced_requests: total(sum('unpriced_requests')),
  /** The series' (or `part`'s) share of the calls in the rule's scope. */
  category_request_share: perRequest(share(REQUESTS)),
  /** The series' (or `part`'s) share of the cost in the rule's scope. */
  category_cost_share: perRequest(share(sum('cost_usd'))),
  provider_health_score: perRequest(HEALTH_SCORE),
} as const satisfies Record<string, Metric>;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as [MetricName, ...MetricName[]];

export const DIMENSIONS = ROLLUP_DIMENSIONS as readonly Dimension[];

export { formulaSql } from './formula.js';
