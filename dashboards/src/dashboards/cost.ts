/** Cost and budgets (seeds 000, 001, 003): where does the money go, will we stay within budget? */
import { CustomVariableBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { CostQueries as Q } from '../queries.js';
import type { DashboardSpec } from '../panels.js';
import { BEST_FIRST_STEPS, BUDGET_STEPS, GRAIN, USER_GRAIN } from './common.js';

/** The dimensions "Spend by …" can group by: a closed list, so `${groupby:raw}` is safe. */
export const GROUP_BY = [
  'category',
  'request_model',
  'project',
  'agent',
  'workflow',
  'provider',
  'service_name',
];

export const cost: DashboardSpec = {
  uid: 'agentmeter-cost',
  title: 'agentmeter / Cost and budgets',
  question:
    'Where does the money go, how does this period compare with the last, and will the budgets hold to the end of their period?',
  tags: ['cost'],
  from: 'now-7d',
  refresh: '5m',
  filters: ['project', 'service', 'provider', 'model', 'category'],
  variables: [
    new CustomVariableBuilder('groupby')
      .label('Spend by')
      .values(GROUP_BY.join(','))
      .current({ text: GROUP_BY[0]!, value: GROUP_BY[0]! }),
  ],
  panels: [
    {
      kind: 'stat',
      title: 'This period against the last',
      description: `Spend in the range, in the same length just before it, and the change (no change shown when the previous period spent nothing). ${GRAIN}`,
      sql: Q.periodOverPeriod,
      unit: 'currencyUSD',
      columnUnits: { change: 'percentunit' },
      width: 8,
    },
    {
      kind: 'stat',
      title: 'Month to date (UTC) and forecast',
      description:
        'Spend since the 1st of the month (UTC) of the range end, and its linear forecast to the month end (spent ÷ elapsed × the month), from the 1h rollup.',
      sql: Q.monthToDate,
      unit: 'currencyUSD',
      width: 8,
    },
    {
      kind: 'stat',
      title: 'best_first share of spend',
      description: `Spend of best_first categories ÷ all spend. Seed 000: below 25 % acceptable, 25–40 % investigate their frequency, above 40 % categories too broad or overused. ${GRAIN}`,
      sql: Q.bestFirstShare,
      unit: 'percentunit',
      thresholds: BEST_FIRST_STEPS,
      width: 4,
    },
    {
      kind: 'stat',
      title: 'Response-cache savings',
      description: `What calls answered by the response cache would have cost, and the cache's hit rate (hits ÷ calls). ${GRAIN}`,
      sql: Q.cacheSavings,
      unit: 'currencyUSD',
      columnUnits: { hit_rate: 'percentunit' },
      width: 4,
    },
    {
      kind: 'table',
      title: 'Budget burn and forecast',
      description:
        "Budgets live in YAML (models.yaml, copied into the alerting service's budget rules), not in ClickHouse: this reads what those rules last measured and stored with each alert instance (alert_instances.values: spent, limit, forecast to the budget's own period end, reset). The same numbers as GET /api/v1/budgets. Current periods only.",
      sql: Q.budgetStatus,
      unit: 'currencyUSD',
      thresholds: BUDGET_STEPS,
      columnUnits: { percent: 'percent', resets_at: 'dateTimeAsIso' },
      noValue: 'No budget rule has evaluated yet',
      width: 24,
    },
    {
      kind: 'bargauge',
      title: 'Spend by ${groupby}',
      description: `The 15 largest values of the chosen dimension by spend, with their share. ${GRAIN}`,
      sql: Q.costByGroup,
      unit: 'currencyUSD',
      width: 12,
    },
    {
      kind: 'timeseries',
      title: 'Spend per hour by category',
      description: `USD per hour in each point, by category; stacked, since spend adds up. ${GRAIN}`,
      sql: Q.costPerHourByCategory,
      unit: 'currencyUSD',
      stacked: true,
      width: 12,
    },
    {
      kind: 'table',
      title: 'Top users by spend',
      description: `The 20 users that cost most in the range, with their calls. ${USER_GRAIN}`,
      sql: Q.topUsersByCost,
      unit: 'short',
      columnUnits: { spend_usd: 'currencyUSD' },
      width: 12,
    },
    {
      kind: 'timeseries',
      title: 'Response-cache savings per hour',
      description: `USD per hour the response cache saved, per point. ${GRAIN}`,
      sql: Q.cacheSavingsPerHour,
      unit: 'currencyUSD',
      noValue: '0',
      width: 12,
    },
    {
      kind: 'table',
      title: 'Most expensive calls',
      description:
        'The 20 single calls that cost most in the range, from llm_spans (raw, 7 days by default), with their trace id to open in a trace view.',
      sql: Q.topExpensiveCalls,
      unit: 'short',
      columnUnits: { spend_usd: 'currencyUSD', duration_ms: 'ms' },
      width: 24,
    },
  ],
};
