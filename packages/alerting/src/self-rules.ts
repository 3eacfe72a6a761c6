/**
 * Alerts about agentmeter's alerting itself, evaluated like any rule but from the service's own
 * state: a contact point whose deliveries keep failing raises `AgentmeterContactPointFailing`
 * (one instance per receiver and integration), so a failing receiver is never silent; it also
 * shows in `/readyz`.
 */
import { Tables } from '@agentmeter/schema';
import type { ManagedRule } from './manager.js';
import { Severities, type Evaluation } from './model.js';
import type { IntegrationHealth } from './notify/index.js';

/** A rule whose samples come from the service, not from a query. */
export interface SelfRule extends ManagedRule {
  readonly kind: 'self';
  evaluate(nowMs: number): Evaluation;
}

export const SELF_GROUP = 'agentmeter-self';

export function contactPointFailingRule(unhealthy: () => readonly IntegrationHealth[]): SelfRule {
  return {
    kind: 'self',
    id: `${SELF_GROUP}/AgentmeterContactPointFailing`,
    group: SELF_GROUP,
    name: 'AgentmeterContactPointFailing',
    intervalMs: 30_000,
    forMs: 0,
    keepFiringForMs: 0,
    labels: {},
    annotations: {
      summary: 'Notifications to {{ $labels.receiver }} ({{ $labels.integration }}) keep failing',
      description: `agentmeter cannot deliver to this contact point; alerts routed only there are not being received. See GET /readyz and ${Tables.ALERT_DELIVERIES}.`,
    },
    noDataState: 'OK',
    execErrState: 'Error',
    enabled: true,
    evaluate: () => ({
      ok: true,
      samples: unhealthy().map((h) => ({
        labels: { receiver: h.receiver, integration: h.integration },
        value: h.failures,
        breached: Severities.CRITICAL,
        values: {},
      })),
    }),
  };
}
