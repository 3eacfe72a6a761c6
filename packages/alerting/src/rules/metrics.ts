/**
 * The metric catalogue, spelled once: what a threshold or anomaly rule's `metric` names, as an
 * SQL aggregate over rows of the rollup tables (their measure columns, `MEASURES` in
 * `@agentmeter/schema`). The query reads the tables, never the `_view`s, because a view
 * finalises per row and a window spans many rows: sums are summed again and latency states are
 * merged with `quantilesTDigestMerge`, so p95 over a window is the window's p95.
 */
import { ErrorCategory } from '@agentmeter/conventions';
import { QUANTILE_LEVELS, ROLLUP_DIMENSIONS } from '@agentmeter/schema';

export type Dimension = (typeof ROLLUP_DIMENSIONS)[number];

/** What a metric's SQL gets from the query it is part of. */
export interface MetricSqlContext {
  /** Condition on the row that a share's part satisfies (`1` when the rule has no `part`). */
  readonly part: string;
  /** Parameter reference: the hours the window covers, up to now (for rates). */
  readonly hours: string;
  /** `expr` summed over every series of the same window: a share's denominator. */
  readonly total: (expr: string) => string;
}

export interface Metric {
  /** Rollup measure columns the SQL reads. */
  readonly measures: readonly string[];
  /** Rollup dimension columns the SQL reads. */
  readonly dimensions: readonly Dimension[];
  /**
   * A ratio, quantile or score: it says little on a few requests (rules set `min_requests`),
   * and a series absent from a window has no value. Otherwise a sum: absent means 0.
   */
  readonly perRequest: boolean;
  /** The series' share of its scope: `part` selects what is counted, `where` the scope. */
  readonly share: boolean;
  /**
   * Without this condition the series gets no verdict: nothing shows the feature measured is in
   * use there (the rollups count response-cache hits, not lookups).
   */
  readonly inUse?: string;
  readonly sql: (c: MetricSqlContext) => string;
}

const LEVELS = QUANTILE_LEVELS.join(', ');

function quantile(column: string, level: (typeof QUANTILE_LEVELS)[number]): string {
  return `quantilesTDigestMerge(${LEVELS})(${column})[${QUANTILE_LEVELS.indexOf(level) + 1}]`;
}

const RATE_LIMITED = `sumIf(errors, error_category = '${ErrorCategory.RATE_LIMIT}')`;
const COST = 'toFloat64(sum(cost_usd))';

type Sql = string | ((c: MetricSqlContext) => string);
type Options = Partial<Pick<Metric, 'dimensions' | 'inUse' | 'share'>>;

const build = (measures: string[], sql: Sql, perRequest: boolean, o: Options): Metric => ({
  measures,
  dimensions: o.dimensions ?? [],
  perRequest,
  share: o.share ?? false,
  ...(o.inUse === undefined ? {} : { inUse: o.inUse }),
  sql: typeof sql === 'string' ? () => sql : sql,
});

/** A sum over the window: an absent series is 0. */
const sum = (measures: string[], sql: Sql): Metric => build(measures, sql, false, {});

/** A ratio, quantile or score of the window's calls. */
const perRequest = (measures: string[], sql: Sql, o: Options = {}): Metric =>
  build(measures, sql, true, o);

/**
 * Seed 004 gives the bands (below 70 warning, below 50 critical), not the formula; this one
 * puts them where seed 001's and 004's thresholds are: 100 minus 60 × error rate / 10 %, minus
 * 30 × how far p95 latency is past 2 s (all of it at 4 s), minus 10 × rate-limit denials / 10 %,
 * each part capped at its weight. 5 % errors alone give 70, 10 % give 40.
 */
const HEALTH_SCORE = `100
    - 60 * least(1, sum(errors) / sum(requests) / 0.1)
    - 30 * least(1, greatest(0, ${quantile('duration_ms_quantiles', 0.95)} - 2000) / 2000)
    - 10 * least(1, ${RATE_LIMITED} / sum(requests) / 0.1)`;

export const METRICS = {
  /** Provider calls (LLM spans) in the window. */
  requests: sum(['requests'], 'sum(requests)'),
  error_rate: perRequest(['errors', 'requests'], 'sum(errors) / sum(requests)'),
  success_rate: perRequest(['errors', 'requests'], '1 - sum(errors) / sum(requests)'),
  latency_avg_ms: perRequest(
    ['duration_ms_sum', 'requests'],
    'sum(duration_ms_sum) / sum(requests)',
  ),
  latency_p50_ms: perRequest(['duration_ms_quantiles'], quantile('duration_ms_quantiles', 0.5)),
  latency_p95_ms: perRequest(['duration_ms_quantiles'], quantile('duration_ms_quantiles', 0.95)),
  latency_p99_ms: perRequest(['duration_ms_quantiles'], quantile('duration_ms_quantiles', 0.99)),
  /** Time to first token of streamed calls; a series without one has no value. */
  ttft_p95_ms: perRequest(['ttft_ms_quantiles'], quantile('ttft_ms_quantiles', 0.95)),
  cost_usd: sum(['cost_usd'], COST),
  /** Cost in the window per hour of the window elapsed (the filling minute up to now). */
  cost_usd_per_hour: sum(['cost_usd'], (c) => `${COST} / ${c.hours}`),
  /** Input (cache reads and writes included, GenAI semconv) plus output tokens. */
  tokens: sum(['input_tokens', 'output_tokens'], 'sum(input_tokens) + sum(output_tokens)'),
  input_tokens: sum(['input_tokens'], 'sum(input_tokens)'),
  output_tokens: sum(['output_tokens'], 'sum(output_tokens)'),
  /**
   * Seed 001's cache hit rate: calls answered by the response cache, per call. Only hits are
   * recorded, so a series without any hit (no response cache there) gets no verdict.
   */
  cache_hit_rate: perRequest(['cache_hits', 'requests'], 'sum(cache_hits) / sum(requests)', {
    inUse: 'sum(cache_hits) > 0',
  }),
  /** The provider's prompt cache: share of input tokens read from it. */
  prompt_cache_hit_rate: perRequest(
    ['cache_read_tokens', 'cache_write_tokens', 'input_tokens'],
    'sum(cache_read_tokens) / sum(input_tokens)',
    { inUse: 'sum(cache_read_tokens) + sum(cache_write_tokens) > 0' },
  ),
  /** Calls that failed with a rate-limit error (429, overloaded), per call. */
  rate_limit_denial_rate: perRequest(['errors', 'requests'], `${RATE_LIMITED} / sum(requests)`, {
    dimensions: ['error_category'],
  }),
  /** Share of provider calls that ran on an escalation model (docs/schema.md). */
  escalation_rate: perRequest(['escalations', 'requests'], 'sum(escalations) / sum(requests)'),
  quota_blocks: sum(['quota_blocks'], 'sum(quota_blocks)'),
  budget_blocks: sum(['budget_blocks'], 'sum(budget_blocks)'),
  /** Quota and budget downgrades together: the rollups count them in one measure. */
  downgrades: sum(['downgrades'], 'sum(downgrades)'),
  unpriced_requests: sum(['unpriced_requests'], 'sum(unpriced_requests)'),
  /** The series' (or `part`'s) share of the calls in the rule's scope. */
  category_request_share: perRequest(
    ['requests'],
    (c) => `sumIf(requests, ${c.part}) / ${c.total('sum(requests)')}`,
    { share: true },
  ),
  /** The series' (or `part`'s) share of the cost in the rule's scope. */
  category_cost_share: perRequest(
    ['cost_usd'],
    (c) => `toFloat64(sumIf(cost_usd, ${c.part})) / toFloat64(${c.total('sum(cost_usd)')})`,
    { share: true },
  ),
  provider_health_score: perRequest(['errors', 'requests', 'duration_ms_quantiles'], HEALTH_SCORE, {
    dimensions: ['error_category'],
  }),
} as const satisfies Record<string, Metric>;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as [MetricName, ...MetricName[]];

export const DIMENSIONS = ROLLUP_DIMENSIONS as readonly Dimension[];
