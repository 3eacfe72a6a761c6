/** Provider health (seeds 001, 004): which provider or model is failing or slow, since when? */
import { HealthQueries as Q } from '../queries.js';
import type { DashboardSpec } from '../panels.js';
import { GRAIN, HEALTH_STEPS } from './common.js';

const SCORE =
  "The ProviderHealthScore rule's metric: 100 − 60 × error rate ÷ 10 % − 30 × p95 past 2 s ÷ 2 s − 10 × rate-limit denials ÷ 10 %, each part capped; seed 004: below 70 warning, below 50 critical.";

export const providers: DashboardSpec = {
  uid: 'agentmeter-providers',
  title: 'agentmeter / Provider health',
  question: 'Which provider or model is failing, throttled or slow now, and since when?',
  tags: ['providers'],
  from: 'now-3h',
  refresh: '1m',
  filters: ['project', 'service', 'provider', 'model', 'category'],
  panels: [
    {
      kind: 'table',
      title: 'Status and health score per provider',
      description: `Calls, success rate, p95 latency, rate-limit denials and health score per provider, worst first. ${SCORE} ${GRAIN}`,
      sql: Q.providerStatus,
      unit: 'short',
      thresholds: HEALTH_STEPS,
      columnUnits: { success_rate: 'percentunit', p95_ms: 'ms', health_score: 'none' },
      width: 24,
      height: 6,
    },
    {
      kind: 'timeseries',
      title: 'Health score by provider',
      description: `${SCORE} Per point. ${GRAIN}`,
      sql: Q.healthScoreByProvider,
      unit: 'none',
      thresholds: HEALTH_STEPS,
      max: 100,
      width: 12,
    },
    {
      kind: 'timeseries',
      title: 'Errors per minute by category',
      description: `Failed calls per minute by error category (rate_limit, timeout, network, auth, server, quota, …: the normalised error.type). ${GRAIN}`,
      sql: Q.errorsPerMinuteByCategory,
      unit: 'short',
      stacked: true,
      noValue: '0',
      width: 12,
    },
    {
      kind: 'timeseries',
      title: 'Rate-limit denials per minute',
      description: `Calls a provider refused with a rate-limit error (429, overloaded) per minute, by provider. ${GRAIN}`,
      sql: Q.rateLimitDenialsPerMinute,
      unit: 'short',
      noValue: '0',
      width: 12,
    },
    {
      kind: 'timeseries',
      title: 'p95 latency by provider',
      description: `95th percentile of call duration per point, merged from t-digest states. ${GRAIN}`,
      sql: Q.latencyP95ByProvider,
      unit: 'ms',
      width: 12,
    },
    {
      kind: 'timeseries',
      title: 'Time to first token p95 by provider',
      description: `95th percentile of time to first token of streamed calls (only they have one), per point. ${GRAIN}`,
      sql: Q.ttftP95ByProvider,
      unit: 'ms',
      width: 12,
    },
    {
      kind: 'table',
      title: 'Latency percentiles by model',
      description: `p50, p95, p99 of call duration and p95 time to first token per model, slowest first. ${GRAIN}`,
      sql: Q.latencyByModel,
      unit: 'ms',
      columnUnits: { calls: 'short' },
      width: 12,
    },
  ],
};
