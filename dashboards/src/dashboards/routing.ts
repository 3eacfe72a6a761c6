/** Routing and categories (seed 000): is the router sending work to the right models? */
import { RoutingQueries as Q } from '../queries.js';
import type { DashboardSpec } from '../panels.js';
import { ESCALATION_STEPS, GRAIN } from './common.js';

export const routing: DashboardSpec = {
  uid: 'agentmeter-routing',
  title: 'agentmeter / Routing and categories',
  question:
    'Does each category get its expected share of the work, how often does it escalate, and what do quotas refuse?',
  tags: ['routing'],
  from: 'now-24h',
  refresh: '5m',
  filters: ['project', 'service', 'provider', 'model', 'category'],
  panels: [
    {
      kind: 'table',
      title: 'Category distribution against the expected share',
      description: `Share of calls per category beside seed 000's expected share (security_auth_change < 5 %, core_backend_high ~30 %, …) and the difference; a high-risk category above 10 % is too broad. ${GRAIN}`,
      sql: Q.categoryDistribution,
      unit: 'short',
      columnUnits: {
        share: 'percentunit',
        expected_share: 'percentunit',
        difference: 'percentunit',
      },
      width: 12,
    },
    {
      kind: 'piechart',
      title: 'Calls by routing strategy',
      description: `Calls per strategy (best_first, progressive, cheap_first, complexity), with their spend and escalation rate in the legend's table. ${GRAIN}`,
      sql: Q.strategyBreakdown,
      unit: 'short',
      columnUnits: { spend_usd: 'currencyUSD', escalation_rate: 'percentunit' },
      width: 12,
    },
    {
      kind: 'bargauge',
      title: 'Escalation rate by category',
      description: `Share of provider calls that ran on the escalation model, per routed category (best_first never escalates). Seed 000's bands: below 5 % the primary is oversized, 10–30 % well tuned, above 50 % upgrade the primary, above 80 % switch to best_first. Counts calls, not routed tasks (docs/schema.md). ${GRAIN}`,
      sql: Q.escalationRateByCategory,
      unit: 'percentunit',
      thresholds: ESCALATION_STEPS,
      max: 1,
      width: 12,
    },
    {
      kind: 'timeseries',
      title: 'Escalations per minute by category',
      description: `Calls on an escalation model per minute, by category. ${GRAIN}`,
      sql: Q.escalationsPerMinuteByCategory,
      unit: 'short',
      width: 12,
    },
    {
      kind: 'timeseries',
      title: 'Quota incidents',
      description: `Calls refused by a quota, by a budget, and calls downgraded, per point. Seed 000 expects none in a week; every block of a security category is an incident. ${GRAIN}`,
      sql: Q.quotaIncidents,
      unit: 'short',
      stacked: true,
      noValue: '0',
      width: 12,
    },
    {
      kind: 'table',
      title: 'Quota incidents by category and provider',
      description: `Where quotas and budgets refused or downgraded calls: which category, which provider. ${GRAIN}`,
      sql: Q.quotaIncidentsByCategory,
      unit: 'short',
      noValue: 'No incident',
      width: 12,
    },
    {
      kind: 'table',
      title: 'Explicit versus detected categories',
      description: `Calls whose category the caller set (explicit) or the router detected, per category; a high detected share is where seed 000's accuracy review matters (agentmeter review). ${GRAIN}`,
      sql: Q.categorySource,
      unit: 'short',
      columnUnits: { detected_share: 'percentunit' },
      width: 24,
    },
  ],
};
