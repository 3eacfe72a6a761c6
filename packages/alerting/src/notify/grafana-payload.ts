/**
 * The JSON body Grafana's webhook contact point POSTs (grafana/alerting receivers/webhook/v1:
 * `webhookMessage` embedding `ExtendedData`), built from a notification, so that receivers
 * written for Grafana work unchanged. Keys come in Go's order (struct fields as declared, map
 * keys sorted), times as Go marshals them, `endsAt` is Go's zero time while firing, and with
 * `maxAlerts` the alerts past it are left out and counted in `truncatedAlerts`; status, state,
 * common labels, title and message describe the alerts sent, as Grafana's do.
 *
 * agentmeter has no silence page, dashboards or panels behind an alert: `silenceURL`,
 * `dashboardURL` and `panelURL` are empty, as Grafana sends them without an external URL.
 * `values` holds the alert's `value` and its extra `values`; `valueString` is Grafana's legacy
 * text of the same (`[ var='value' labels={provider=openai} value=0.07 ]`).
 */
import type { AlertNotice, Labels } from '../model.js';
import { GO_ZERO_TIME, goFloat, goTime } from './go-format.js';
import { DEFAULT_MESSAGE, DEFAULT_TITLE, renderText, type TextData } from './grafana-text.js';
import type { Notification } from './integration.js';

export interface GrafanaAlert {
  status: 'firing' | 'resolved';
  labels: Labels;
  annotations: Labels;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
  silenceURL: string;
  dashboardURL: string;
  panelURL: string;
  values: Record<string, number>;
  valueString: string;
}

export interface GrafanaWebhookBody {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: GrafanaAlert[];
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Labels;
  externalURL: string;
  version: '1';
  groupKey: string;
  truncatedAlerts: number;
  orgId: number;
  title: string;
  state: 'alerting' | 'ok';
  message: string;
}

export interface GrafanaBodyOptions {
  readonly orgId: number;
  /** 0 = all. */
  readonly maxAlerts: number;
  readonly title?: string | undefined;
  readonly message?: string | undefined;
}

export function grafanaWebhookBody(n: Notification, o: GrafanaBodyOptions): GrafanaWebhookBody {
  const sent = o.maxAlerts > 0 ? n.alerts.slice(0, o.maxAlerts) : n.alerts;
  const alerts = sent.map(grafanaAlert);
  const status = alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved';
  const data: TextData = {
    receiver: n.receiver,
    status,
    alerts,
    groupLabels: sorted(n.groupLabels),
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: n.externalURL,
    groupKey: n.groupKey,
  };
  return {
    receiver: data.receiver,
    status,
    alerts,
    groupLabels: data.groupLabels,
    commonLabels: data.commonLabels,
    commonAnnotations: data.commonAnnotations,
    externalURL: data.externalURL,
    version: '1',
    groupKey: data.groupKey,
    truncatedAlerts: n.alerts.length - sent.length,
    orgId: o.orgId,
    title: renderText(o.title ?? DEFAULT_TITLE, data),
    state: status === 'firing' ? 'alerting' : 'ok',
    message: renderText(o.message ?? DEFAULT_MESSAGE, data),
  };
}

function grafanaAlert(notice: AlertNotice): GrafanaAlert {
  const labels = sorted(withoutPrivate(notice.labels));
  const values = sorted({ value: notice.value, ...notice.values });
  return {
    status: notice.status,
    labels,
    annotations: sorted(withoutPrivate(notice.annotations)),
    startsAt: goTime(notice.startsAt),
    endsAt:
      notice.status === 'resolved' && notice.endsAt !== undefined
        ? goTime(notice.endsAt)
        : GO_ZERO_TIME,
    generatorURL: notice.generatorURL,
    fingerprint: notice.fingerprint,
    silenceURL: '',
    dashboardURL: '',
    panelURL: '',
    values,
    valueString: valueString(values, labels),
  };
}

function valueString(values: Readonly<Record<string, number>>, labels: Labels): string {
  const series = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return Object.entries(values)
    .map(([ref, value]) => `[ var='${ref}' labels={${series}} value=${goFloat(value)} ]`)
    .join(', ');
}

/** Labels every alert has with the same value. */
function common(sets: readonly Labels[]): Labels {
  const [first, ...rest] = sets;
  if (!first) return {};
  return Object.fromEntries(
    Object.entries(first).filter(([k, v]) => rest.every((s) => s[k] === v)),
  );
}

/** Grafana drops `__name__`-style private labels and annotations from what it sends. */
const withoutPrivate = (labels: Labels): Labels =>
  Object.fromEntries(Object.entries(labels).filter(([k]) => !/^__.*__$/.test(k)));

/** Go marshals map keys sorted. */
function sorted<V>(record: Readonly<Record<string, V>>): Record<string, V> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}
