/**
 * `/metrics` of the alerting service, in the Prometheus text format and its naming rules (base
 * units, `_total` on counters), like the ingester's.
 */
import type { ManagedRule, RuleManager } from './manager.js';
import { AlertStates } from './model.js';
import type { NotificationDispatcher } from './notify/index.js';

type Family = {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: [string, number][];
};

export function serviceMetrics(
  manager: RuleManager<ManagedRule>,
  dispatcher: NotificationDispatcher | undefined,
): string {
  const byState = new Map<string, number>(
    [AlertStates.PENDING, AlertStates.FIRING, AlertStates.RESOLVED].map((s) => [s, 0]),
  );
  for (const a of manager.alerts()) {
    const state = a.state === AlertStates.RECOVERING ? AlertStates.FIRING : a.state;
    byState.set(state, (byState.get(state) ?? 0) + 1);
  }
  const c = manager.counters;
  const families: Family[] = [
    {
      name: 'agentmeter_alerting_rule_evaluations_total',
      type: 'counter',
      help: 'Rule evaluations run.',
      samples: [['', c.evaluations]],
    },
    {
      name: 'agentmeter_alerting_rule_evaluation_failures_total',
      type: 'counter',
      help: 'Rule evaluations that failed (the rule raised its Error instance or kept its state).',
      samples: [['', c.evaluationFailures]],
    },
    {
      name: 'agentmeter_alerting_rule_evaluation_seconds_total',
      type: 'counter',
      help: 'Time spent evaluating rule groups.',
      samples: [['', c.evaluationSeconds]],
    },
    {
      name: 'agentmeter_alerting_group_evaluations_queued',
      type: 'gauge',
      help: 'Rule group evaluations due and waiting for the engine (earliest deadline first).',
      samples: [['', manager.queuedEvaluations]],
    },
    {
      name: 'agentmeter_alerting_rules',
      type: 'gauge',
      help: 'Rules loaded, by whether they are enabled.',
      samples: [
        ['{enabled="true"}', manager.ruleList().filter((r) => r.enabled).length],
        ['{enabled="false"}', manager.ruleList().filter((r) => !r.enabled).length],
      ],
    },
    {
      name: 'agentmeter_alerting_alerts',
      type: 'gauge',
      help: 'Alert instances by state (recovering counts as firing; resolved: the last 15 minutes).',
      samples: [...byState].map(([state, n]) => [`{state="${state}"}`, n]),
    },
    {
      name: 'agentmeter_alerting_contact_points_unhealthy',
      type: 'gauge',
      help: 'Contact point integrations whose deliveries keep failing.',
      samples: [['', dispatcher?.unhealthy().length ?? 0]],
    },
  ];
  return families
    .map(
      (f) =>
        `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n` +
        f.samples.map(([labels, v]) => `${f.name}${labels} ${v}\n`).join(''),
    )
    .join('');
}
