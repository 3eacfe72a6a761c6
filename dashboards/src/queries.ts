/**
 * The query catalogue: every panel's and variable's SQL, spelled once, in the Grafana ClickHouse
 * plugin's dialect (its macros, `${var:singlequote}`, `$__conditionalAll`). The dashboards put
 * these texts in their targets; the reports expand the same texts (`expandQuery`) and run them.
 *
 * Rollup panels read `${rollup}`, the level the range fits (sql.ts `ROLLUP_CHOICE`); only
 * per-call tables read `llm_spans`. Time series return `time` first, then a series column, then
 * values, as the plugin's long-to-wide conversion expects.
 */
import {
  AlertStates,
  BEST_FIRST,
  CategorySource,
  DeliveryStatuses,
  EXPECTED_CATEGORY_SHARE,
} from '@agentmeter/conventions';
import { AccessEvents } from '@agentmeter/store';
import { RATE_LIMITED_ERRORS as RATE_LIMITED, Tables } from '@agentmeter/schema';
import {
  FILTERS,
  ROLLUP,
  ROLLUP_CHOICE,
  ROLLUP_WHERE,
  SPANS,
  SPANS_WHERE,
  TIME,
  USER_ROWS,
  filters,
  perHour,
  perMinute,
  quantile,
  table,
  usd,
  type FilterVariable,
  type QuantileMeasure,
} from './sql.js';
import { formulaSql, METRICS } from '@agentmeter/alerting/metrics';

const ERROR_RATE = 'sum(errors) / sum(requests)';
/** The ProviderHealthScore rule's own formula (seed 004's bands), as SQL over the rollup rows. */
const HEALTH_SCORE = formulaSql(METRICS.provider_health_score.value, (measure, level) =>
  quantile(measure as QuantileMeasure, level),
);

/** Query variables: the filter's values over the 1h rollup, busiest first, cascading. */
const filterValues = (v: FilterVariable, parents: FilterVariable[]) => {
  const column = FILTERS[v];
  const cascade = parents.map(
    (p) => `\n  AND $__conditionalAll(${FILTERS[p]} IN (\${${p}:singlequote}), $${p})`,
  );
  return `SELECT ${column} FROM ${table(Tables.USAGE_1H)}
WHERE bucket >= toStartOfHour($__fromTime) AND bucket <= $__toTime AND ${column} != ''${cascade.join('')}
GROUP BY ${column} ORDER BY sum(requests) DESC LIMIT 500`;
};

export const VariableQueries = {
  rollup: ROLLUP_CHOICE,
  project: filterValues('project', []),
  service: filterValues('service', ['project']),
  provider: filterValues('provider', ['project', 'service']),
  model: filterValues('model', ['project', 'service', 'provider']),
  category: filterValues('category', ['project', 'service']),
} as const;

const TOTAL = `SELECT sum(requests) AS calls FROM ${ROLLUP}\nWHERE ${ROLLUP_WHERE}`;

export const UsageQueries = {
  requests: TOTAL,
  costUsd: `SELECT ${usd('sum(cost_usd)')} AS spend_usd FROM ${ROLLUP}\nWHERE ${ROLLUP_WHERE}`,
  tokens: `SELECT sum(input_tokens) + sum(output_tokens) AS tokens FROM ${ROLLUP}\nWHERE ${ROLLUP_WHERE}`,
  errorRate: `SELECT ${ERROR_RATE} AS error_rate FROM ${ROLLUP}\nWHERE ${ROLLUP_WHERE}`,
  latencyP95Ms: `SELECT ${quantile('duration_ms_quantiles', 0.95)} AS p95_ms FROM ${ROLLUP}\nWHERE ${ROLLUP_WHERE}`,
  unpricedCalls: `SELECT sum(unpriced_requests) AS unpriced_calls FROM ${ROLLUP}\nWHERE ${ROLLUP_WHERE}`,
  /** The UTC day of the range's end, from the 1h rollup whatever the range. */
  spendTodayUsd: `SELECT ${usd('sum(cost_usd)')} AS spend_today_usd FROM ${table(Tables.USAGE_1H)}
WHERE bucket >= toStartOfDay($__toTime) AND bucket <= $__toTime
  AND ${filters()}`,
  /**
   * The newest span of the range, reading only the spans from the last hour before the range
   * end's hour that has calls (the 1h rollup knows it) onwards: a day's partition, not a month.
   */
  freshnessSeconds: `SELECT dateDiff('second', max(timestamp), now()) AS seconds_since_last_span FROM ${SPANS}
WHERE $__timeFilter(timestamp)
  AND timestamp >= (SELECT max(bucket) FROM ${table(Tables.USAGE_1H)}
    WHERE bucket >= toStartOfHour($__fromTime) AND bucket < toStartOfHour($__toTime))`,
  requestsPerMinuteByProvider: `SELECT ${TIME}, provider, ${perMinute('sum(requests)')} AS requests_per_min
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time, provider ORDER BY time`,
  costPerHourByModel: `SELECT ${TIME}, request_model, ${perHour(usd('sum(cost_usd)'))} AS usd_per_hour
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time, request_model ORDER BY time`,
  /** Token types that do not overlap: input counts cache reads and writes (GenAI semconv). */
  tokensPerMinuteByType: `SELECT ${TIME},
  ${perMinute('(sum(input_tokens) - sum(cache_read_tokens) - sum(cache_write_tokens))')} AS input_uncached,
  ${perMinute('sum(cache_read_tokens)')} AS cache_read,
  ${perMinute('sum(cache_write_tokens)')} AS cache_write,
  ${perMinute('sum(output_tokens)')} AS output
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time ORDER BY time`,
  errorRateByProvider: `SELECT ${TIME}, provider, ${ERROR_RATE} AS error_rate
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time, provider ORDER BY time`,
  latencyPercentiles: `SELECT ${TIME},
  ${quantile('duration_ms_quantiles', 0.5)} AS p50_ms,
  ${quantile('duration_ms_quantiles', 0.95)} AS p95_ms,
  ${quantile('duration_ms_quantiles', 0.99)} AS p99_ms
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time ORDER BY time`,
  topModelsByCost: `SELECT provider, request_model, ${usd('sum(cost_usd)')} AS spend_usd,
  spend_usd / ${usd('sum(sum(cost_usd)) OVER ()')} AS share,
  sum(requests) AS calls, spend_usd / calls AS usd_per_call,
  ${quantile('duration_ms_quantiles', 0.95)} AS p95_ms, ${ERROR_RATE} AS error_rate,
  sum(unpriced_requests) AS unpriced_calls
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY provider, request_model ORDER BY spend_usd DESC LIMIT 10`,
  topProjectsByCost: `SELECT project, ${usd('sum(cost_usd)')} AS spend_usd,
  spend_usd / ${usd('sum(sum(cost_usd)) OVER ()')} AS share, sum(requests) AS calls
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY project ORDER BY spend_usd DESC LIMIT 10`,
  /** Every model with calls the catalog could not price: their cost is missing, not $0. */
  unpricedByModel: `SELECT provider, request_model, sum(unpriced_requests) AS unpriced_calls,
  unpriced_calls / sum(requests) AS unpriced_share
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY provider, request_model HAVING unpriced_calls > 0 ORDER BY unpriced_calls DESC LIMIT 50`,
} as const;

/** The seed's expected shares as an SQL lookup on `category` (NULL where the seed has none). */
const expectedShare = `transform(category, [${Object.keys(EXPECTED_CATEGORY_SHARE)
  .map((c) => `'${c}'`)
  .join(
    ', ',
  )}], [${Object.values(EXPECTED_CATEGORY_SHARE).join(', ')}], CAST(NULL AS Nullable(Float64)))`;

export const RoutingQueries = {
  categoryDistribution: `SELECT category, sum(requests) AS calls,
  calls / sum(sum(requests)) OVER () AS share, ${expectedShare} AS expected_share,
  share - expected_share AS difference
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY category ORDER BY calls DESC`,
  strategyBreakdown: `SELECT strategy, sum(requests) AS calls, ${usd('sum(cost_usd)')} AS spend_usd,
  sum(escalations) / sum(requests) AS escalation_rate
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY strategy ORDER BY calls DESC`,
  /** Share of provider calls on an escalation model (docs/schema.md), routed categories only. */
  escalationRateByCategory: `SELECT category, sum(escalations) / sum(requests) AS escalation_rate,
  sum(escalations) AS escalated_calls, sum(requests) AS calls
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE} AND strategy != '${BEST_FIRST}'
GROUP BY category ORDER BY escalation_rate DESC`,
  escalationsPerMinuteByCategory: `SELECT ${TIME}, category, ${perMinute('sum(escalations)')} AS escalations_per_min
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time, category ORDER BY time`,
  quotaIncidents: `SELECT ${TIME}, sum(quota_blocks) AS quota_blocks, sum(budget_blocks) AS budget_blocks,
  sum(downgrades) AS downgrades
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time ORDER BY time`,
  quotaIncidentsByCategory: `SELECT category, provider, sum(quota_blocks) AS quota_blocks,
  sum(budget_blocks) AS budget_blocks, sum(downgrades) AS downgrades
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY category, provider HAVING quota_blocks + budget_blocks + downgrades > 0
ORDER BY quota_blocks + budget_blocks DESC LIMIT 50`,
  categorySource: `SELECT category, sumIf(requests, category_source = '${CategorySource.EXPLICIT}') AS explicit,
  sumIf(requests, category_source = '${CategorySource.DETECTED}') AS detected,
  detected / sum(requests) AS detected_share
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY category ORDER BY sum(requests) DESC`,
} as const;

export const CostQueries = {
  /** This range against the same length just before it, one scan. */
  periodOverPeriod: `SELECT ${usd('sumIf(cost_usd, bucket >= $__fromTime)')} AS this_period_usd,
  ${usd('sumIf(cost_usd, bucket < $__fromTime)')} AS previous_period_usd,
  if(previous_period_usd = 0, NULL, this_period_usd / previous_period_usd - 1) AS change
FROM ${ROLLUP}
WHERE bucket >= $__fromTime - (toUnixTimestamp($__toTime) - toUnixTimestamp($__fromTime)) AND bucket <= $__toTime
  AND ${filters()}`,
  costByGroup: `SELECT \${groupby:raw} AS key, ${usd('sum(cost_usd)')} AS spend_usd,
  spend_usd / ${usd('sum(sum(cost_usd)) OVER ()')} AS share, sum(requests) AS calls
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY key ORDER BY spend_usd DESC LIMIT 15`,
  costPerHourByCategory: `SELECT ${TIME}, category, ${perHour(usd('sum(cost_usd)'))} AS usd_per_hour
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time, category ORDER BY time`,
  /** From the per-user rollups: llm_spans keeps a week by default, and a month of it is slow. */
  topUsersByCost: `SELECT user_id, project, ${usd('sum(cost_usd)')} AS spend_usd, sum(requests) AS calls
FROM ${USER_ROWS}
GROUP BY user_id, project ORDER BY spend_usd DESC LIMIT 20`,
  /** Ordered by the column, not an expression: then its min-max index skips granules. */
  topExpensiveCalls: `SELECT timestamp, trace_id, project, request_model, category, input_tokens + output_tokens AS tokens,
  ${usd('cost_usd')} AS spend_usd, duration_ms
FROM ${SPANS}
WHERE ${SPANS_WHERE}
ORDER BY cost_usd DESC LIMIT 20`,
  /**
   * Month to date (UTC) and the linear forecast to its end, from the 1h rollup: spent ÷ elapsed
   * × the month's length, the budget rules' method.
   */
  monthToDate: `SELECT ${usd('sum(cost_usd)')} AS month_to_date_usd,
  month_to_date_usd / greatest(1, dateDiff('second', toStartOfMonth($__toTime), $__toTime))
    * dateDiff('second', toDateTime(toStartOfMonth($__toTime)), toDateTime(toStartOfMonth($__toTime) + INTERVAL 1 MONTH)) AS forecast_usd
FROM ${table(Tables.USAGE_1H)}
WHERE bucket >= toStartOfMonth($__toTime) AND bucket <= $__toTime
  AND ${filters()}`,
  /**
   * The budgets as the alerting service last measured them: its budget rules embed the
   * budgets of models.yaml and store spend, limit, forecast and reset with every instance.
   */
  budgetStatus: `SELECT labels['budget_id'] AS budget,
  arrayStringConcat(arrayFilter(x -> x != '', [labels['project'], labels['agent'], labels['request_model'], labels['workflow'], labels['user_id']]), ' ') AS scope,
  argMax(JSONExtractFloat(values, 'percent'), updated_at) AS percent,
  argMax(JSONExtractFloat(values, 'spent_usd'), updated_at) AS spent_usd,
  argMax(JSONExtractFloat(values, 'limit_usd'), updated_at) AS limit_usd,
  argMax(JSONExtractFloat(values, 'forecast_usd'), updated_at) AS forecast_usd,
  fromUnixTimestamp64Milli(toInt64(argMax(JSONExtractFloat(values, 'resets_at'), updated_at))) AS resets_at
FROM ${table(Tables.ALERT_INSTANCES)} FINAL
WHERE JSONHas(values, 'limit_usd') AND JSONExtractFloat(values, 'resets_at') > toUnixTimestamp($__toTime) * 1000
GROUP BY budget, scope ORDER BY percent DESC LIMIT 50`,
  cacheSavings: `SELECT ${usd('sum(cache_saved_usd)')} AS saved_usd, sum(cache_hits) / sum(requests) AS hit_rate
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}`,
  cacheSavingsPerHour: `SELECT ${TIME}, ${perHour(usd('sum(cache_saved_usd)'))} AS saved_usd_per_hour
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time ORDER BY time`,
  bestFirstShare: `SELECT ${usd(`sumIf(cost_usd, strategy = '${BEST_FIRST}')`)} / ${usd('sum(cost_usd)')} AS best_first_share
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}`,
} as const;

export const HealthQueries = {
  /** The health score is the ProviderHealthScore rule's metric, computed the same way. */
  providerStatus: `SELECT provider, sum(requests) AS calls, 1 - ${ERROR_RATE} AS success_rate,
  ${quantile('duration_ms_quantiles', 0.95)} AS p95_ms, ${RATE_LIMITED} AS rate_limited,
  ${HEALTH_SCORE} AS health_score
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY provider ORDER BY health_score`,
  healthScoreByProvider: `SELECT ${TIME}, provider, ${HEALTH_SCORE} AS health_score
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time, provider ORDER BY time`,
  errorsPerMinuteByCategory: `SELECT ${TIME}, error_category, ${perMinute('sum(errors)')} AS errors_per_min
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE} AND error_category != ''
GROUP BY time, error_category ORDER BY time`,
  rateLimitDenialsPerMinute: `SELECT ${TIME}, provider, ${perMinute(RATE_LIMITED)} AS denials_per_min
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time, provider ORDER BY time`,
  latencyP95ByProvider: `SELECT ${TIME}, provider, ${quantile('duration_ms_quantiles', 0.95)} AS p95_ms
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time, provider ORDER BY time`,
  latencyByModel: `SELECT provider, request_model, sum(requests) AS calls,
  ${quantile('duration_ms_quantiles', 0.5)} AS p50_ms, ${quantile('duration_ms_quantiles', 0.95)} AS p95_ms,
  ${quantile('duration_ms_quantiles', 0.99)} AS p99_ms, ${quantile('ttft_ms_quantiles', 0.95)} AS ttft_p95_ms
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY provider, request_model ORDER BY p95_ms DESC LIMIT 50`,
  /** Only streamed calls have a time to first token; buckets without one are left out. */
  ttftP95ByProvider: `SELECT ${TIME}, provider, ${quantile('ttft_ms_quantiles', 0.95)} AS ttft_p95_ms
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time, provider HAVING NOT isNaN(ttft_p95_ms) ORDER BY time`,
} as const;

const INSTANCES = `${table(Tables.ALERT_INSTANCES)} FINAL`;
const ACTIVE = `state IN ('${AlertStates.PENDING}', '${AlertStates.FIRING}', '${AlertStates.RECOVERING}')`;

export const AlertQueries = {
  /** The current state of every instance, whatever the range (alerts are "now"). */
  activeCounts: `SELECT countIf(state IN ('${AlertStates.FIRING}', '${AlertStates.RECOVERING}')) AS firing,
  countIf(state = '${AlertStates.PENDING}') AS pending,
  countIf(${ACTIVE} AND acknowledged_at IS NOT NULL) AS acknowledged
FROM ${INSTANCES}`,
  activeInstances: `SELECT rule, labels['severity'] AS severity, state, value,
  toString(mapFilter((k, v) -> k NOT IN ('alertname', 'severity'), labels)) AS other_labels,
  active_at, fired_at, acknowledged_by, ack_comment
FROM ${INSTANCES}
WHERE ${ACTIVE}
ORDER BY fired_at DESC NULLS LAST LIMIT 200`,
  transitionsOverTime: `SELECT $__timeInterval(at) AS time, to_state, count() AS transitions
FROM ${table(Tables.ALERT_HISTORY)}
WHERE $__timeFilter(at)
GROUP BY time, to_state ORDER BY time`,
  history: `SELECT at, rule, severity, from_state, to_state, value, actor, comment
FROM ${table(Tables.ALERT_HISTORY)}
WHERE $__timeFilter(at)
ORDER BY at DESC LIMIT 200`,
  deliveriesByReceiver: `SELECT receiver, integration,
  countIf(status = '${DeliveryStatuses.SENT}') AS sent,
  countIf(status IN ('${DeliveryStatuses.FAILED}', '${DeliveryStatuses.GAVE_UP}')) AS failed,
  failed / count() AS failure_rate,
  argMaxIf(error, at, error != '') AS last_error, max(at) AS last_attempt
FROM ${table(Tables.ALERT_DELIVERIES)}
WHERE $__timeFilter(at)
GROUP BY receiver, integration ORDER BY failed DESC`,
  deliveriesOverTime: `SELECT $__timeInterval(at) AS time, status, count() AS attempts
FROM ${table(Tables.ALERT_DELIVERIES)}
WHERE $__timeFilter(at) AND status != '${DeliveryStatuses.PENDING}'
GROUP BY time, status ORDER BY time`,
} as const;

const ACCESS = table(Tables.ACCESS_EVENTS);

export const TenancyQueries = {
  usageByProject: `SELECT project, sum(requests) AS calls, ${usd('sum(cost_usd)')} AS spend_usd,
  spend_usd / ${usd('sum(sum(cost_usd)) OVER ()')} AS share,
  sum(input_tokens) + sum(output_tokens) AS tokens, sum(quota_blocks) AS quota_blocks,
  sum(budget_blocks) AS budget_blocks, sum(downgrades) AS downgrades
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY project ORDER BY spend_usd DESC LIMIT 50`,
  usageByUser: `SELECT user_id, project, sum(requests) AS calls, ${usd('sum(cost_usd)')} AS spend_usd,
  sum(input_tokens) + sum(output_tokens) AS tokens, sum(quota_blocks) AS quota_blocks,
  sum(budget_blocks) AS budget_blocks, sum(downgrades) AS downgrades,
  sum(rate_limit_rejections) AS rate_limited
FROM ${USER_ROWS}
GROUP BY user_id, project ORDER BY spend_usd DESC LIMIT 50`,
  quotaDecisionsByProject: `SELECT ${TIME}, project, sum(quota_blocks) + sum(budget_blocks) AS blocks,
  sum(downgrades) AS downgrades
FROM ${ROLLUP}
WHERE ${ROLLUP_WHERE}
GROUP BY time, project ORDER BY time`,
  accessTotals: `SELECT countIf(event = '${AccessEvents.AUTH_FAILED}') AS auth_failures,
  countIf(event = '${AccessEvents.RATE_LIMITED}') AS rate_limited
FROM ${ACCESS}
WHERE $__timeFilter(at)`,
  accessEventsOverTime: `SELECT $__timeInterval(at) AS time, concat(listener, ' ', event) AS series, count() AS events
FROM ${ACCESS}
WHERE $__timeFilter(at)
GROUP BY time, series ORDER BY time`,
  /**
   * Seed 000's signal: more than 10 rejections from one address in an hour. The busiest hour is
   * counted for the 50 sources shown only (the most repeats in their hours: arrayEnumerateUniq
   * numbers each repeat), not by grouping every event by its hour.
   */
  accessSources: `SELECT remote_address, listener, event, claimed_user, events, last_seen,
  arrayMax(arrayEnumerateUniq(hours)) AS max_per_hour
FROM (SELECT remote_address, listener, event, any(user) AS claimed_user, count() AS events,
    max(at) AS last_seen, groupArray(toStartOfHour(at)) AS hours
  FROM ${ACCESS} WHERE $__timeFilter(at)
  GROUP BY remote_address, listener, event ORDER BY events DESC LIMIT 50)
ORDER BY events DESC`,
} as const;

/** Every query of the catalogue, by area (the README and the tests walk it). */
export const QUERIES = {
  VariableQueries,
  UsageQueries,
  RoutingQueries,
  CostQueries,
  HealthQueries,
  AlertQueries,
  TenancyQueries,
} as const;
