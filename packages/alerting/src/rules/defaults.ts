/**
 * The default rule pack: the seeds' default alerts, written in the rule file format and read
 * by the same schema as a user's file. Seed 001's five rules and its $500/month budget, seed
 * 000's decision triggers (immediate ones every minute, weekly ones every hour over 7 days),
 * seed 004's error-rate and health-score bands and cost anomaly. Ratio rules need at least 10
 * calls in the window for a verdict (seed 004's minimum volume), so one failed call of two is
 * not a page.
 *
 * A user rule with a default's alert name replaces it; `alert: <name>` with `enabled: false`
 * alone turns it off (`mergeRulePacks`).
 */
import { AccessEvents } from '@agentmeter/store';
import { DEFAULT_BUDGET } from '@agentmeter/budgets';
import { Tables } from '@agentmeter/schema';
import { parseRules, RuleFileError, type LoadedRules } from './load.js';
import type { Rule } from './rule.js';

/** Seed 000's `never_fallback_categories`. */
export const SEED_NEVER_FALLBACK_CATEGORIES = [
  'security_auth_change',
  'external_feature_reuse_remote',
  'schema_contract_change_destructive',
] as const;

export interface DefaultRuleOptions {
  /** The routing config's `quota_enforcement.never_fallback_categories` (default: seed 000's). */
  neverFallbackCategories?: readonly string[];
}

const MIN_VOLUME = 10;

/** The default pack as a rule file document (what `docs/alerting-rules.md` shows). */
export function defaultRuleDocument(o: DefaultRuleOptions = {}): unknown {
  const neverFallback = [...(o.neverFallbackCategories ?? SEED_NEVER_FALLBACK_CATEGORIES)];
  const ifCategories = <T>(rules: T[]): T[] => (neverFallback.length > 0 ? rules : []);
  return {
    groups: [
      {
        name: 'agentmeter-llm-health',
        interval: '1m',
        rules: [
          {
            alert: 'HighLatencyP95',
            metric: 'latency_p95_ms',
            window: '5m',
            group_by: ['provider'],
            op: '>',
            threshold: 2000,
            min_requests: MIN_VOLUME,
            for: '5m',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'P95 latency of {{ $labels.provider }} is {{ $value }} ms',
              description:
                'P95 latency over the last 5 minutes has stayed above 2000 ms for 5 minutes.',
            },
          },
          {
            alert: 'ErrorSpike',
            metric: 'error_rate',
            window: '5m',
            group_by: ['provider'],
            op: '>',
            threshold: 0.05,
            min_requests: MIN_VOLUME,
            for: '1m',
            labels: { severity: 'critical' },
            annotations: {
              summary: 'Error rate of {{ $labels.provider }} is {{ $value }}',
              description:
                'More than 5 % of calls to {{ $labels.provider }} failed over the last 5 minutes, for 1 minute.',
            },
          },
          {
            alert: 'LowCacheHitRate',
            metric: 'cache_hit_rate',
            window: '10m',
            group_by: ['service_name'],
            op: '<',
            threshold: 0.4,
            min_requests: MIN_VOLUME,
            for: '10m',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'Response cache hit rate of {{ $labels.service_name }} is {{ $value }}',
              description:
                'Fewer than 40 % of calls were served by the response cache for 10 minutes.',
            },
          },
          {
            alert: 'HighHourlyCost',
            metric: 'cost_usd_per_hour',
            window: '1h',
            op: '>',
            threshold: 10,
            for: '5m',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'LLM spend is ${{ $value }} per hour',
              description: 'The cost of the last hour has stayed above $10 per hour for 5 minutes.',
            },
          },
          {
            alert: 'HighRateLimitDenials',
            metric: 'rate_limit_denial_rate',
            window: '5m',
            group_by: ['provider'],
            op: '>',
            threshold: 0.1,
            min_requests: MIN_VOLUME,
            for: '5m',
            labels: { severity: 'warning' },
            annotations: {
              summary: '{{ $labels.provider }} rate-limits {{ $value }} of calls',
              description:
                'More than 10 % of calls to {{ $labels.provider }} were refused for rate limits, for 5 minutes.',
            },
          },
          {
            alert: 'ProviderErrorRate',
            metric: 'error_rate',
            window: '15m',
            group_by: ['provider'],
            op: '>',
            thresholds: { warning: 0.025, critical: 0.05 },
            min_requests: MIN_VOLUME,
            annotations: {
              summary: 'Error rate of {{ $labels.provider }} is {{ $value }}',
              description:
                'Over the last 15 minutes: above 2.5 % is a warning, above 5 % critical (seed 004).',
            },
          },
          {
            alert: 'ProviderHealthScore',
            metric: 'provider_health_score',
            window: '15m',
            group_by: ['provider'],
            op: '<',
            thresholds: { warning: 70, critical: 50 },
            min_requests: MIN_VOLUME,
            annotations: {
              summary: 'Health score of {{ $labels.provider }} is {{ $value }}',
              description:
                'Errors, p95 latency and rate limits of the last 15 minutes score it below 70 (warning) or 50 (critical).',
            },
          },
          {
            alert: 'CostAnomaly',
            kind: 'anomaly',
            metric: 'cost_usd',
            window: '1h',
            baseline: 'same_window_last_week',
            change_percent: { warning: 25, critical: 50 },
            direction: 'up',
            min_requests: MIN_VOLUME,
            annotations: {
              summary:
                'Spend of the last hour is {{ $value }} USD, {{ $labels.trend }} on the same hour last week',
              description:
                'Cost rose more than 25 % (warning) or 50 % (critical) over the same hour a week ago.',
            },
          },
        ],
      },
      {
        name: 'agentmeter-routing',
        interval: '1m',
        rules: [
          ...ifCategories([
            {
              alert: 'NeverFallbackCategoryBlocked',
              metric: 'quota_blocks',
              window: '1h',
              where: { category: neverFallback },
              group_by: ['category', 'provider'],
              op: '>',
              threshold: 0,
              labels: { severity: 'critical' },
              annotations: {
                summary:
                  'Quota blocked {{ $value }} calls of {{ $labels.category }} on {{ $labels.provider }}',
                description:
                  'A category that may never fall back ran out of quota: its calls are refused until the quota is raised.',
              },
            },
          ]),
          {
            alert: 'BestFirstEscalation',
            metric: 'escalation_rate',
            window: '1h',
            where: { strategy: 'best_first' },
            group_by: ['category'],
            op: '>',
            threshold: 0.5,
            min_requests: MIN_VOLUME,
            labels: { severity: 'critical' },
            annotations: {
              summary: '{{ $value }} of {{ $labels.category }} calls escalated',
              description:
                'More than half the calls of a best_first category ran on an escalation model in the last hour.',
            },
          },
        ],
      },
      {
        name: 'agentmeter-routing-weekly',
        interval: '1h',
        rules: [
          {
            alert: 'ProgressiveEscalationHigh',
            metric: 'escalation_rate',
            window: '7d',
            where: { strategy: 'progressive' },
            group_by: ['category'],
            op: '>',
            threshold: 0.8,
            min_requests: MIN_VOLUME,
            labels: { severity: 'warning' },
            annotations: {
              summary: '{{ $value }} of {{ $labels.category }} calls escalated this week',
              description:
                'Above 80 % the primary model rarely suffices: consider best_first for this category.',
            },
          },
          {
            alert: 'BestFirstCostShare',
            metric: 'category_cost_share',
            window: '7d',
            part: { strategy: 'best_first' },
            op: '>',
            threshold: 0.4,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'best_first categories took {{ $value }} of the spend this week',
              description: 'Above 40 % the best_first categories are too broad or overused.',
            },
          },
          ...ifCategories([
            {
              alert: 'HighRiskCategoryShare',
              metric: 'category_request_share',
              window: '7d',
              part: { category: neverFallback },
              group_by: ['category'],
              op: '>',
              threshold: 0.1,
              labels: { severity: 'warning' },
              annotations: {
                summary: '{{ $labels.category }} is {{ $value }} of the calls this week',
                description:
                  'A high-risk category above 10 % of the calls is probably too broad: split it.',
              },
            },
          ]),
        ],
      },
      {
        name: 'agentmeter-access',
        interval: '1m',
        rules: [
          {
            alert: 'AuthFailuresFromOneAddress',
            kind: 'sql',
            query: [
              'SELECT remote_address, count() AS value',
              `FROM {database:Identifier}.${Tables.ACCESS_EVENTS}`,
              `WHERE event = '${AccessEvents.AUTH_FAILED}' AND at > {window_start:DateTime64(3)}`,
              'GROUP BY remote_address',
            ].join('\n'),
            window: '1h',
            op: '>',
            threshold: 10,
            labels: { severity: 'critical' },
            annotations: {
              summary:
                '{{ $value }} refused credentials from {{ $labels.remote_address }} in the last hour',
              description: `Seed 000 immediate action: more than 10 authentication failures from one address in an hour (${Tables.ACCESS_EVENTS}).`,
            },
          },
        ],
      },
      {
        name: 'agentmeter-budgets',
        interval: '1m',
        rules: [
          {
            alert: 'MonthlyBudget',
            kind: 'budget',
            budget: DEFAULT_BUDGET,
            annotations: {
              summary: 'Budget {{ $labels.budget_id }} is {{ $value }} % spent',
              description:
                'Seed 001 default: $500 a month, alerts at 80 % and 95 % and when exceeded.',
            },
          },
          {
            alert: 'MonthlyBudgetForecast',
            kind: 'budget',
            budget: DEFAULT_BUDGET,
            forecast: true,
            labels: { severity: 'warning' },
            annotations: {
              summary:
                'Budget {{ $labels.budget_id }} is on course for {{ $value }} USD this month',
              description:
                'The spend so far, projected to the end of the budget period, passes the limit.',
            },
          },
        ],
      },
    ],
  };
}

export function defaultRules(o: DefaultRuleOptions = {}): readonly Rule[] {
  return parseRules(defaultRuleDocument(o), 'default rules').rules;
}

/**
 * The rules to run: the defaults less those the user's files replace (same alert name) or turn
 * off (`enabled: false` alone), then the user's. Turning off a name no default has is refused:
 * it is a typo or a rule that was renamed.
 */
export function mergeRulePacks(defaults: readonly Rule[], user: LoadedRules): Rule[] {
  const names = new Set(defaults.map((r) => r.name));
  const unknown = user.disabled.filter((d) => !names.has(d.name));
  if (unknown.length > 0) {
    throw new RuleFileError(
      unknown.map((d) => ({
        path: d.at,
        message: `enabled: false alone turns off a default rule, and none is named "${d.name}" (the defaults: ${[...names].join(', ')})`,
      })),
    );
  }
  const replaced = new Set([...user.rules.map((r) => r.name), ...user.disabled.map((d) => d.name)]);
  return [...defaults.filter((r) => !replaced.has(r.name)), ...user.rules];
}
