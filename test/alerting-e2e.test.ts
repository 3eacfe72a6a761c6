/**
 * Alerting end to end, as a user sets it up: a rule file and a contact-point file in the
 * documented formats, `npm start`'s services, OTLP spans from the real SDK exporter, and a
 * webhook receiver on 127.0.0.1 that checks Grafana's body and the HMAC signature. The error
 * rate crosses the threshold → a firing notification; it is acknowledged through the API; the
 * spans that follow bring it down → a resolved notification. Real time here (the product runs
 * the system clock); the state machine's timing is tested on a manual clock elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { GenAi } from '@agentmeter/conventions';
import { startProduct, type Running } from './helpers.js';

const SECRET = 'webhook-signing-secret';
let product: Running;
let receiver: Server;
let dir: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  dir = mkdtempSync(join(tmpdir(), 'agentmeter-alerting-e2e-'));
  const rules = join(dir, 'rules.yaml');
  writeFileSync(
    rules,
    `groups:
  - name: llm-health
    interval: 1s
    rules:
      - alert: LLMErrorRate
        metric: error_rate
        window: 5m
        where: { service_name: alerting-e2e }
        group_by: [provider]
        op: '>'
        thresholds: { warning: 0.05, critical: 0.2 }
        min_requests: 10
        annotations:
          summary: 'Error rate {{ humanizePercentage $value }} on {{ $labels.provider }}'
`,
  );
  const notifications = join(dir, 'contact-points.yaml');
  writeFileSync(
    notifications,
    `apiVersion: 1
contactPoints:
  - orgId: 1
    name: oncall
    receivers:
      - uid: oncall-webhook
        type: webhook
        settings:
          url: ${url}
          httpMethod: POST
          authorization_scheme: Bearer
          authorization_credentials: receiver-token
          hmacConfig:
            secret: ${SECRET}
            header: X-Signature
            timestampHeader: X-Timestamp
policies:
  - orgId: 1
    receiver: oncall
    group_by: [alertname, provider]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
`,
  );
  product = await startProduct({
    alerting: { ruleFiles: [rules], notificationFiles: [notifications] },
  });
});
afterAll(async () => {
  await product?.stop();
  receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Calls to openai from the real SDK exporter: `errors` of `count` fail. */
async function send(count: number, errors: number): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'alerting-e2e' }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${product.otlpUrl}/v1/traces` }), {
        maxExportBatchSize: 1000,
        maxQueueSize: 2000,
      }),
    ],
  });
  const tracer = provider.getTracer('e2e');
  for (let i = 0; i < count; i++) {
    const span = tracer.startSpan('chat gpt-4o-mini', {
      kind: SpanKind.CLIENT,
      attributes: {
        [GenAi.PROVIDER_NAME]: 'openai',
        [GenAi.REQUEST_MODEL]: 'gpt-4o-mini',
        [GenAi.USAGE_INPUT_TOKENS]: 100,
        [GenAi.USAGE_OUTPUT_TOKENS]: 10,
        ...(i < errors ? { [GenAi.ERROR_TYPE]: '500' } : {}),
      },
    });
    if (i < errors) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
  await provider.forceFlush();
  await provider.shutdown();
}

const notifications = () =>
  received.map((r) => ({ ...r, json: JSON.parse(r.body) as Record<string, unknown> }));

describe('alerting end to end', () => {
  it('fires to the webhook with Grafana’s body, signed; acknowledges through the API; resolves', async () => {
    await send(40, 12); // 30 %: critical
    await vi.waitFor(() => expect(notifications().length).toBeGreaterThan(0), { timeout: 20_000 });
    const [first] = notifications();
    expect(first!.headers['authorization']).toBe('Bearer receiver-token');
    const ts = String(first!.headers['x-timestamp']);
    expect(first!.headers['x-signature']).toBe(
      createHmac('sha256', SECRET).update(`${ts}:${first!.body}`).digest('hex'),
    );
    expect(first!.json).toMatchObject({
      receiver: 'oncall',
      status: 'firing',
      orgId: 1,
      version: '1',
      truncatedAlerts: 0,
      groupLabels: { alertname: 'LLMErrorRate', provider: 'openai' },
      commonLabels: { alertname: 'LLMErrorRate', provider: 'openai', severity: 'critical' },
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'LLMErrorRate', provider: 'openai', severity: 'critical' },
          annotations: { summary: 'Error rate 30% on openai' },
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        },
      ],
    });
    const fp = (first!.json['alerts'] as { fingerprint: string }[])[0]!.fingerprint;

    const ack = await fetch(`${product.alerting!.url}/api/v1/alerts/${fp}/acknowledge`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ by: 'ana', comment: 'provider incident' }),
    });
    expect(ack.status).toBe(200);
    const alerts = (await (await fetch(`${product.alerting!.url}/api/v1/alerts`)).json()) as {
      status: string;
      data: {
        alerts: { fingerprint: string; state: string; acknowledged: { by: string } | null }[];
      };
    };
    expect(alerts.status).toBe('success');
    expect(alerts.data.alerts).toEqual([
      expect.objectContaining({
        fingerprint: fp,
        state: 'firing',
        acknowledged: expect.objectContaining({ by: 'ana' }),
      }),
    ]);

    await send(400, 0); // 12 of 440: 2.7 %, under the warning band
    await vi.waitFor(
      () => expect(notifications().some((n) => n.json['status'] === 'resolved')).toBe(true),
      { timeout: 20_000 },
    );
    const resolved = notifications().find((n) => n.json['status'] === 'resolved')!;
    expect(resolved.json['alerts']).toEqual([
      expect.objectContaining({ status: 'resolved', fingerprint: fp }),
    ]);
    // One firing notification for one change: none sent twice.
    expect(notifications().filter((n) => n.json['status'] === 'firing')).toHaveLength(1);
    const history = await product.rows<{ to_state: string; actor: string }>(
      `SELECT to_state, actor FROM agentmeter.alert_history WHERE fingerprint = {fp:String} ORDER BY at, sequence`,
      { fp },
    );
    expect(history.map((h) => h.to_state)).toEqual(['firing', 'firing', 'resolved']);
    expect(history[1]!.actor).toBe('ana');
  });
});
