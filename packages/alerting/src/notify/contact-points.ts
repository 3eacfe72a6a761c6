/** Contact points as configured → the integrations that send for them, by contact point name. */
import type { Clock } from '@agentmeter/conventions';
import { AlertmanagerIntegration } from './alertmanager.js';
import type { ContactPointConfig } from './config.js';
import type { HttpLimits } from './http-send.js';
import type { Integration } from './integration.js';
import { WebhookIntegration } from './webhook.js';

export interface IntegrationDeps {
  readonly http: HttpLimits;
  readonly clock: Clock;
  readonly alertmanagerResendMs: number;
}

export function integrationsOf(
  contactPoints: readonly ContactPointConfig[],
  deps: IntegrationDeps,
): Map<string, Integration[]> {
  return new Map(
    contactPoints.map((cp) => [
      cp.name,
      cp.receivers.map((r): Integration => {
        const common = {
          receiver: cp.name,
          uid: r.uid,
          disableResolveMessage: r.disableResolveMessage,
          http: deps.http,
          clock: deps.clock,
        };
        return r.type === 'webhook'
          ? new WebhookIntegration({ ...common, orgId: cp.orgId, settings: r.settings })
          : new AlertmanagerIntegration({
              ...common,
              settings: r.settings,
              resendMs: deps.alertmanagerResendMs,
            });
      }),
    ]),
  );
}
