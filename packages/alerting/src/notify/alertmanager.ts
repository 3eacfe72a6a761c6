/**
 * Grafana's `prometheus-alertmanager` contact point: alerts are pushed to every Alertmanager of
 * the (comma-separated) `url` list with `POST /api/v2/alerts`, as Prometheus does for an HA
 * pair, and the attempt counts as sent when one of them took it (Grafana's rule; the peers
 * gossip). Alertmanager does its own grouping, silencing and reminders: this integration keeps
 * its alerts alive instead, re-sending every firing alert every `resendMs` (default 1 min,
 * Prometheus' `--rules.alert.resend-delay`), acknowledged ones included, and sends a resolved
 * alert once with its `endsAt`.
 *
 * A firing alert goes without `endsAt`, so Alertmanager holds it for its `resolve_timeout`
 * (default 5 min) past the last re-send: if agentmeter stops, its alerts resolve there by
 * themselves. It also makes a payload independent of when it is sent, so a retry or an attempt
 * resumed after a restart sends the same bytes. Keep `resendMs` well under `resolve_timeout`.
 */
import type { Clock } from '@agentmeter/conventions';
import type { AlertmanagerSettings } from './config.js';
import { goTime } from './go-format.js';
import { sendHttp, type HttpLimits } from './http-send.js';
import {
  notificationHeaders,
  type Integration,
  type Notification,
  type SendOutcome,
  type Told,
} from './integration.js';

export const DEFAULT_ALERTMANAGER_RESEND_MS = 60_000;

/** Alertmanager's `postableAlert` (api/v2/openapi.yaml). */
interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface AlertmanagerIntegrationOptions {
  readonly receiver: string;
  readonly uid: string;
  readonly settings: AlertmanagerSettings;
  readonly disableResolveMessage: boolean;
  readonly resendMs: number;
  readonly http: HttpLimits;
  readonly clock: Clock;
}

export class AlertmanagerIntegration implements Integration {
  readonly type = 'prometheus-alertmanager';
  readonly receiver: string;
  readonly uid: string;
  readonly sendResolved: boolean;
  readonly repeat: { readonly kind: 'keep-alive'; readonly everyMs: number };

  constructor(private readonly o: AlertmanagerIntegrationOptions) {
    this.receiver = o.receiver;
    this.uid = o.uid;
    this.sendResolved = !o.disableResolveMessage;
    this.repeat = { kind: 'keep-alive', everyMs: o.resendMs };
  }

  render(notification: Notification): string {
    const alerts = notification.alerts.map((a): PostableAlert => {
      const alert: PostableAlert = {
        labels: { ...a.labels },
        annotations: { ...a.annotations },
        startsAt: goTime(a.startsAt),
      };
      if (a.status === 'resolved') alert.endsAt = goTime(a.endsAt ?? a.startsAt);
      if (a.generatorURL) alert.generatorURL = a.generatorURL;
      return alert;
    });
    return JSON.stringify(alerts);
  }

  async send(payload: string, deliveryId: string): Promise<SendOutcome> {
    const s = this.o.settings;
    const headers = notificationHeaders(deliveryId, {
      user: s.basicAuthUser,
      password: s.basicAuthPassword,
    });
    const outcomes = await Promise.all(
      s.urls.map((base) =>
        sendHttp(
          {
            url: `${base.replace(/\/+$/, '')}/api/v2/alerts`,
            method: 'POST',
            headers,
            body: payload,
          },
          this.o.http,
          this.o.clock,
        ),
      ),
    );
    const failures = outcomes.flatMap((outcome, i) =>
      outcome.ok ? [] : [{ base: s.urls[i]!, ...outcome }],
    );
    const errors = failures.map((f) => `${f.base}: ${f.error}`).join('; ');
    const sent = outcomes.find((outcome) => outcome.ok);
    if (sent) {
      return failures.length === 0
        ? sent
        : { ok: true, httpStatus: sent.httpStatus, warning: errors };
    }
    return {
      ok: false,
      retryable: failures.some((f) => f.retryable),
      httpStatus: failures.at(-1)!.httpStatus,
      error: errors,
    };
  }

  /** Alerts are sent in the delivery's order; a resolved one carries `endsAt`. */
  told(payload: string, fingerprints: readonly string[]): Told {
    const alerts = JSON.parse(payload) as PostableAlert[];
    const firing = new Set<string>();
    const resolved = new Set<string>();
    fingerprints.forEach((fp, i) => (alerts[i]?.endsAt === undefined ? firing : resolved).add(fp));
    return { firing, resolved };
  }
}
