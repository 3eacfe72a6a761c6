/** Tenancy and access (seeds 000, 002): who uses what against their quotas, who is refused? */
import { TenancyQueries as Q } from '../queries.js';
import type { DashboardSpec } from '../panels.js';
import { AUTH_FAILURES_PER_HOUR_ALERT } from '@agentmeter/conventions';
import { GRAIN, USER_GRAIN } from './common.js';

const ACCESS =
  "From access_events: agentmeter's own listeners (otlp, clickhouse-http, alerting); the dashboard filters do not apply.";

export const tenancy: DashboardSpec = {
  uid: 'agentmeter-tenancy',
  title: 'agentmeter / Tenancy and access',
  question:
    'Which projects and users use what against their quotas, and who is refused or throttled at our own endpoints?',
  tags: ['tenancy'],
  from: 'now-24h',
  refresh: '5m',
  filters: ['project', 'service', 'provider', 'model', 'category'],
  panels: [
    {
      kind: 'stat',
      title: 'Authentication failures and rate-limited requests',
      description: `Requests refused for their credentials (401/403) and for a rate limit (429) in the range. Seed 000: zero is expected; more than ${AUTH_FAILURES_PER_HOUR_ALERT} an hour is an immediate alert. ${ACCESS}`,
      sql: Q.accessTotals,
      unit: 'short',
      thresholds: [
        [null, 'green'],
        [1, 'orange'],
        [AUTH_FAILURES_PER_HOUR_ALERT + 1, 'red'],
      ],
      noValue: '0',
      width: 8,
    },
    {
      kind: 'timeseries',
      title: 'Refused requests by listener',
      description: `Authentication failures and rate-limited requests per point, by listener and event. ${ACCESS}`,
      sql: Q.accessEventsOverTime,
      unit: 'short',
      stacked: true,
      noValue: '0',
      width: 16,
    },
    {
      kind: 'table',
      title: 'Usage by project against quotas',
      description: `Calls, spend, share, tokens, and what quotas and budgets did to the project's calls (blocked, downgraded). ${GRAIN}`,
      sql: Q.usageByProject,
      unit: 'short',
      columnUnits: { spend_usd: 'currencyUSD', share: 'percentunit' },
      width: 12,
    },
    {
      kind: 'table',
      title: 'Usage by user',
      description: `The 50 users that cost most in the range: calls, spend, tokens, what quotas and budgets did to their calls (blocked, downgraded) and agentmeter's rate limiter's rejections. ${USER_GRAIN}`,
      sql: Q.usageByUser,
      unit: 'short',
      columnUnits: { spend_usd: 'currencyUSD' },
      width: 12,
    },
    {
      kind: 'timeseries',
      title: 'Quota and budget decisions by project',
      description: `Calls blocked (quota or budget) and downgraded per point, by project. ${GRAIN}`,
      sql: Q.quotaDecisionsByProject,
      unit: 'short',
      noValue: '0',
      width: 12,
    },
    {
      kind: 'table',
      title: 'Refused request sources',
      description: `Per client address, listener and event: refusals in the range, the busiest hour (seed 000 alerts above ${AUTH_FAILURES_PER_HOUR_ALERT} an hour), the user name claimed (never the credential), last seen. ${ACCESS}`,
      sql: Q.accessSources,
      unit: 'short',
      thresholds: [
        [null, 'green'],
        [AUTH_FAILURES_PER_HOUR_ALERT + 1, 'red'],
      ],
      columnUnits: { last_seen: 'dateTimeAsIso' },
      noValue: 'No refused request',
      width: 12,
    },
  ],
};
