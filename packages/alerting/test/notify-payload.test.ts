/** Grafana's webhook body, its default title and message, Go's formats, and HMAC signatures. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GO_ZERO_TIME, goFloat, goTime } from '../src/notify/go-format.js';
import { grafanaWebhookBody } from '../src/notify/grafana-payload.js';
import { renderText, unsupportedTemplateActions } from '../src/notify/grafana-text.js';
import { DEFAULT_SIGNATURE_HEADER, hmacHeaders, hmacSignature } from '../src/notify/hmac.js';
import type { Notification } from '../src/notify/integration.js';
import { firing, resolved } from './notify/notices.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0, 250);
const labels = { alertname: 'LLMErrorRate', provider: 'openai', severity: 'critical' };
const notification = (
  alerts: Notification['alerts'],
  groupLabels = { alertname: 'LLMErrorRate' },
): Notification => ({
  receiver: 'llm-webhook',
  groupKey: '{}:{alertname="LLMErrorRate"}',
  groupLabels,
  alerts,
  externalURL: 'http://127.0.0.1:9095/',
});

describe("Grafana's webhook body", () => {
  it('has every field of a firing alert, in Grafana’s order and format', () => {
    const alert = firing(labels, T0, {
      annotations: { summary: 'Error rate 0.07 on openai', __private__: 'x' },
      values: { baseline: 0.02 },
    });
    const body = grafanaWebhookBody(notification([alert]), { orgId: 1, maxAlerts: 0 });
    expect(Object.keys(body)).toEqual([
      'receiver',
      'status',
      'alerts',
      'groupLabels',
      'commonLabels',
      'commonAnnotations',
      'externalURL',
      'version',
      'groupKey',
      'truncatedAlerts',
      'orgId',
      'title',
      'state',
      'message',
    ]);
    expect(body).toEqual({
      receiver: 'llm-webhook',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'LLMErrorRate', provider: 'openai', severity: 'critical' },
          annotations: { summary: 'Error rate 0.07 on openai' },
          startsAt: '2026-01-15T12:00:00.25Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://127.0.0.1:9095/api/v1/rules?alertname=LLMErrorRate',
          fingerprint: alert.fingerprint,
          silenceURL: '',
          dashboardURL: '',
          panelURL: '',
          values: { baseline: 0.02, value: 0.07 },
          valueString:
            "[ var='baseline' labels={alertname=LLMErrorRate, provider=openai, severity=critical} value=0.02 ], " +
            "[ var='value' labels={alertname=LLMErrorRate, provider=openai, severity=critical} value=0.07 ]",
        },
      ],
      groupLabels: { alertname: 'LLMErrorRate' },
      commonLabels: { alertname: 'LLMErrorRate', provider: 'openai', severity: 'critical' },
      commonAnnotations: { summary: 'Error rate 0.07 on openai' },
      externalURL: 'http://127.0.0.1:9095/',
      version: '1',
      groupKey: '{}:{alertname="LLMErrorRate"}',
      truncatedAlerts: 0,
      orgId: 1,
      title: '[FIRING:1] LLMErrorRate (openai critical)',
      state: 'alerting',
      message:
        '**Firing**\n\nValue: baseline=0.02, value=0.07\nLabels:\n - alertname = LLMErrorRate\n - provider = openai\n' +
        ' - severity = critical\nAnnotations:\n - summary = Error rate 0.07 on openai\n' +
        'Source: http://127.0.0.1:9095/api/v1/rules?alertname=LLMErrorRate\n',
    });
    expect(Object.keys(body.alerts[0]!)).toEqual([
      'status',
      'labels',
      'annotations',
      'startsAt',
      'endsAt',
      'generatorURL',
      'fingerprint',
      'silenceURL',
      'dashboardURL',
      'panelURL',
      'values',
      'valueString',
    ]);
  });

  it('reports a resolved group as ok, with endsAt and Grafana’s resolved title and message', () => {
    const alert = resolved(firing(labels, T0), T0 + 60_000);
    const body = grafanaWebhookBody(notification([alert]), { orgId: 3, maxAlerts: 0 });
    expect(body).toMatchObject({
      status: 'resolved',
      state: 'ok',
      orgId: 3,
      title: '[RESOLVED] LLMErrorRate (openai critical)',
    });
    expect(body.alerts[0]).toMatchObject({ status: 'resolved', endsAt: '2026-01-15T12:01:00.25Z' });
    expect(body.message.startsWith('**Resolved**\n\nValue: value=0.07\n')).toBe(true);
  });

  it('counts firing and resolved alerts in the title and lists both in the message', () => {
    const a = firing({ ...labels, provider: 'anthropic' }, T0);
    const b = resolved(firing(labels, T0), T0 + 1);
    const body = grafanaWebhookBody(notification([a, b]), { orgId: 1, maxAlerts: 0 });
    // Group label values, then the common labels that are not group labels.
    expect(body.title).toBe('[FIRING:1, RESOLVED:1] LLMErrorRate (critical)');
    expect(body.commonLabels).toEqual({ alertname: 'LLMErrorRate', severity: 'critical' });
    expect(body.message).toMatch(
      /^\*\*Firing\*\*\n\nValue: value=0\.07\n[\s\S]*\n\n\*\*Resolved\*\*\n\nValue:/,
    );
  });

  it('leaves the alerts past maxAlerts out and counts them in truncatedAlerts', () => {
    const alerts = ['a', 'b', 'c'].map((p) => firing({ ...labels, provider: p }, T0));
    const body = grafanaWebhookBody(notification(alerts), { orgId: 1, maxAlerts: 2 });
    expect(body.alerts.map((a) => a.labels['provider'])).toEqual(['a', 'b']);
    expect(body.truncatedAlerts).toBe(1);
    expect(body.title).toBe('[FIRING:2] LLMErrorRate (critical)');
    expect(
      grafanaWebhookBody(notification(alerts), { orgId: 1, maxAlerts: 0 }).truncatedAlerts,
    ).toBe(0);
  });

  it('titles a group with equal group and common labels with Grafana’s trailing space', () => {
    const body = grafanaWebhookBody(
      notification([firing({ alertname: 'X' }, T0)], { alertname: 'X' }),
      {
        orgId: 1,
        maxAlerts: 0,
      },
    );
    expect(body.title).toBe('[FIRING:1] X ');
  });
});

describe('title and message settings', () => {
  const data = grafanaWebhookBody(notification([firing(labels, T0)]), { orgId: 1, maxAlerts: 0 });

  it('renders the template actions it implements, trimming as Go does, and names the others', () => {
    const text =
      '{{ .Status }} {{ len .Alerts.Firing }}/{{ .Alerts | len }} {{ .CommonLabels.provider }}{{ .GroupLabels.missing }}';
    expect(renderText(text, data)).toBe('firing 1/1 openai');
    expect(renderText('a  \n {{- .Receiver -}} \n  b', data)).toBe('allm-webhookb');
    expect(renderText('{{ template "default.title" . }}!', data)).toBe(`${data.title}!`);
    expect(unsupportedTemplateActions(`${text} {{ printf "%s" .Status }}`)).toEqual([
      '{{ printf "%s" .Status }}',
    ]);
  });
});

describe("Go's formats", () => {
  it('writes times as RFC3339Nano, without trailing zeros of the fraction', () => {
    expect(goTime(Date.UTC(2026, 0, 15, 12))).toBe('2026-01-15T12:00:00Z');
    expect(goTime(Date.UTC(2026, 0, 15, 12, 0, 0, 120))).toBe('2026-01-15T12:00:00.12Z');
    expect(GO_ZERO_TIME).toBe('0001-01-01T00:00:00Z');
  });

  it('prints floats as %v: exponent form below 1e-4 and from 1e6', () => {
    expect(
      [0.07, 1, 100000, 123456.5, 1e6, 1234567, 0.0001, 0.00001, -2.5e-7, NaN, Infinity].map(
        goFloat,
      ),
    ).toEqual([
      '0.07',
      '1',
      '100000',
      '123456.5',
      '1e+06',
      '1.234567e+06',
      '0.0001',
      '1e-05',
      '-2.5e-07',
      'NaN',
      '+Inf',
    ]);
  });
});

describe('HMAC signatures', () => {
  const body = '{"receiver":"x","status":"firing"}';
  const independent = (secret: string, data: string) =>
    createHmac('sha256', secret).update(data).digest('hex');

  it('signs the body alone without a timestamp header, under Grafana’s default header', () => {
    const headers = hmacHeaders({ secret: 'k3y' }, body, T0);
    expect(headers).toEqual({ [DEFAULT_SIGNATURE_HEADER]: independent('k3y', body) });
    expect(DEFAULT_SIGNATURE_HEADER).toBe('X-Grafana-Alert-Signature');
    expect(hmacSignature('k3y', body)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs "<unix seconds>:<body>" and sends the seconds in the timestamp header', () => {
    const headers = hmacHeaders(
      {
        secret: 'k3y',
        header: 'X-Grafana-Alerting-Signature',
        timestampHeader: 'X-Grafana-Alerting-Timestamp',
      },
      body,
      T0,
    );
    const seconds = String(Math.floor(T0 / 1000));
    expect(headers).toEqual({
      'X-Grafana-Alerting-Timestamp': seconds,
      'X-Grafana-Alerting-Signature': independent('k3y', `${seconds}:${body}`),
    });
  });
});
