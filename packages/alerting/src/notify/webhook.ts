/**
 * Grafana's webhook contact point (`type: webhook`): Grafana's JSON body (grafana-payload.ts),
 * POST or PUT, HTTP Basic or `Authorization: <scheme> <credentials>`, and Grafana's HMAC
 * signature when `hmacConfig` is set, computed at each attempt (a timestamp header carries the
 * attempt's time, so a retry is signed anew).
 */
import type { Clock } from '@agentmeter/conventions';
import type { WebhookSettings } from './config.js';
import { grafanaWebhookBody, type GrafanaWebhookBody } from './grafana-payload.js';
import { hmacHeaders } from './hmac.js';
import { sendHttp, type HttpLimits } from './http-send.js';
import {
  notificationHeaders,
  type Integration,
  type Notification,
  type SendOutcome,
  type Told,
} from './integration.js';

export interface WebhookIntegrationOptions {
  readonly receiver: string;
  readonly orgId: number;
  readonly uid: string;
  readonly settings: WebhookSettings;
  readonly disableResolveMessage: boolean;
  readonly http: HttpLimits;
  readonly clock: Clock;
}

export class WebhookIntegration implements Integration {
  readonly type = 'webhook';
  readonly repeat = { kind: 'reminder' } as const;
  readonly receiver: string;
  readonly uid: string;
  readonly sendResolved: boolean;

  constructor(private readonly o: WebhookIntegrationOptions) {
    this.receiver = o.receiver;
    this.uid = o.uid;
    this.sendResolved = !o.disableResolveMessage;
  }

  render(notification: Notification): string {
    const s = this.o.settings;
    return JSON.stringify(
      grafanaWebhookBody(notification, {
        orgId: this.o.orgId,
        maxAlerts: s.maxAlerts,
        title: s.title,
        message: s.message,
      }),
    );
  }

  send(payload: string, deliveryId: string): Promise<SendOutcome> {
    const s = this.o.settings;
    const headers = notificationHeaders(deliveryId, { user: s.username, password: s.password });
    if (headers['Authorization'] === undefined && s.authorization_credentials !== undefined) {
      headers['Authorization'] = `${s.authorization_scheme} ${s.authorization_credentials}`;
    }
    if (s.hmacConfig)
      Object.assign(headers, hmacHeaders(s.hmacConfig, payload, this.o.clock.now()));
    return sendHttp(
      { url: s.url, method: s.httpMethod, headers, body: payload },
      this.o.http,
      this.o.clock,
    );
  }

  /** The body's alerts say firing or resolved; one left out of it (past maxAlerts, or acknowledged in a reminder) counts as firing. */
  told(payload: string, fingerprints: readonly string[]): Told {
    const body = JSON.parse(payload) as GrafanaWebhookBody;
    const status = new Map(body.alerts.map((a) => [a.fingerprint, a.status]));
    const resolved = fingerprints.filter((fp) => status.get(fp) === 'resolved');
    return {
      firing: new Set(fingerprints.filter((fp) => status.get(fp) !== 'resolved')),
      resolved: new Set(resolved),
    };
  }
}
