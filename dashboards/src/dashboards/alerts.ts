/** Alerts: what is firing, what changed, and are notifications delivered? */
import { AlertQueries as Q } from '../queries.js';
import type { DashboardSpec } from '../panels.js';

export const alerts: DashboardSpec = {
  uid: 'agentmeter-alerts',
  title: 'agentmeter / Alerts',
  question:
    'What is firing or acknowledged now, what changed, and do the notifications get through?',
  tags: ['alerts'],
  from: 'now-24h',
  refresh: '1m',
  filters: [],
  panels: [
    {
      kind: 'stat',
      title: 'Alert instances now',
      description:
        "Firing (recovering included: still notified as firing), pending, and acknowledged active instances, from alert_instances' latest row per fingerprint; the current state, whatever the range.",
      sql: Q.activeCounts,
      unit: 'short',
      thresholds: [
        [null, 'green'],
        [1, 'red'],
      ],
      noValue: '0',
      width: 8,
    },
    {
      kind: 'table',
      title: 'Firing, pending and acknowledged instances',
      description:
        'Every active instance: rule, severity, state, value, its other labels, since when, and who acknowledged it with what comment (POST /api/v1/alerts/{fingerprint}/acknowledge).',
      sql: Q.activeInstances,
      unit: 'short',
      columnUnits: { active_at: 'dateTimeAsIso', fired_at: 'dateTimeAsIso' },
      noValue: 'Nothing is firing',
      width: 16,
    },
    {
      kind: 'timeseries',
      title: 'State transitions',
      description:
        'Transitions per point by the state entered (pending, firing, resolved, …), from alert_history.',
      sql: Q.transitionsOverTime,
      unit: 'short',
      stacked: true,
      noValue: '0',
      width: 12,
    },
    {
      kind: 'timeseries',
      title: 'Notification attempts by outcome',
      description:
        'Delivery attempts per point: sent, failed (retried), gave up; from alert_deliveries.',
      sql: Q.deliveriesOverTime,
      unit: 'short',
      stacked: true,
      noValue: '0',
      width: 12,
    },
    {
      kind: 'table',
      title: 'Deliveries by contact point',
      description:
        'Per receiver and integration (webhook, Alertmanager): attempts sent and failed, the failure rate, the last error and the last attempt in the range.',
      sql: Q.deliveriesByReceiver,
      unit: 'short',
      thresholds: [
        [null, 'green'],
        [0.01, 'red'],
      ],
      columnUnits: { failure_rate: 'percentunit', last_attempt: 'dateTimeAsIso' },
      noValue: 'No notification sent',
      width: 12,
    },
    {
      kind: 'table',
      title: 'Alert history',
      description:
        'The latest 200 transitions, acknowledgements and hand resolves in the range: rule, severity, from → to, value, who.',
      sql: Q.history,
      unit: 'short',
      columnUnits: { at: 'dateTimeAsIso' },
      width: 12,
    },
  ],
};
