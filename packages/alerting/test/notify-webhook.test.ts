/** One attempt of each integration against real HTTP receivers on 127.0.0.1. */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@agentmeter/test-kit';
import { parseNotificationConfig } from '../src/notify/config.js';
import { integrationsOf } from '../src/notify/contact-points.js';
import { DEFAULT_HTTP_LIMITS } from '../src/notify/http-send.js';
import type { Integration, Notification } from '../src/notify/integration.js';
import { firing, resolved } from './notify/notices.js';
import { RecordingReceiver } from './notify/receiver.js';

const clock = new ManualClock();
let receiver: RecordingReceiver;
let other: RecordingReceiver;
beforeAll(async () => {
  receiver = await RecordingReceiver.start(() => clock.now());
  other = await RecordingReceiver.start(() => clock.now());
});
afterAll(async () => {
  await receiver.close();
  await other.close();
});
beforeEach(() => {
  receiver.requests.length = 0;
  other.requests.length = 0;
});

function integration(
  type: string,
  settings: Record<string, unknown>,
  http = DEFAULT_HTTP_LIMITS,
): Integration {
  const config = parseNotificationConfig([
    {
      file: 'test.yaml',
      content: {
        apiVersion: 1,
        contactPoints: [{ name: 'cp', receivers: [{ uid: 'r1', type, settings }] }],
        policies: [{ receiver: 'cp' }],
      },
    },
  ]);
  return integrationsOf(config.contactPoints, { http, clock, alertmanagerResendMs: 60_000 }).get(
    'cp',
  )![0]!;
}

const alert = firing({ alertname: 'HighCost', provider: 'openai' }, clock.now() - 60_000);
const notification: Notification = {
  receiver: 'cp',
  groupKey: '{}:{alertname="HighCost"}',
  groupLabels: { alertname: 'HighCost' },
  alerts: [alert],
  externalURL: '',
};

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the webhook integration', () => {
  it('sends the rendered body as JSON with POST, or PUT, and the delivery id', async () => {
    for (const httpMethod of ['POST', 'PUT']) {
      const webhook = integration('webhook', { url: `${receiver.url}/hooks/grafana`, httpMethod });
      const payload = webhook.render(notification);
      expect(await webhook.send(payload, 'd-1')).toEqual({ ok: true, httpStatus: 200 });
      const [request] = receiver.requests.splice(0);
      expect(request).toMatchObject({ method: httpMethod, path: '/hooks/grafana', body: payload });
      expect(request!.headers).toMatchObject({
        'content-type': 'application/json',
        'idempotency-key': 'd-1',
        'user-agent': 'agentmeter',
      });
      expect(JSON.parse(payload)).toMatchObject({ receiver: 'cp', status: 'firing', version: '1' });
    }
  });

  it('authenticates with HTTP Basic, a Bearer token (the default scheme), or another scheme', async () => {
    const auth = async (settings: Record<string, unknown>) => {
      await integration('webhook', { url: receiver.url, ...settings }).send('{}', 'd');
      return receiver.requests.splice(0)[0]!.headers.authorization;
    };
    expect(await auth({ username: 'ann', password: 'p:w' })).toBe(
      `Basic ${Buffer.from('ann:p:w').toString('base64')}`,
    );
    expect(await auth({ authorization_credentials: 'tok' })).toBe('Bearer tok');
    expect(await auth({ authorization_scheme: 'Token', authorization_credentials: 'tok' })).toBe(
      'Token tok',
    );
    expect(await auth({})).toBeUndefined();
  });

  it('signs so that a receiver verifies the raw body with node:crypto, with and without a timestamp', async () => {
    const verify = (secret: string, signed: string, signature: string | string[] | undefined) =>
      createHmac('sha256', secret).update(signed).digest('hex') === signature;

    const plain = integration('webhook', { url: receiver.url, hmacConfig: { secret: 'k3y' } });
    await plain.send(plain.render(notification), 'd');
    const [a] = receiver.requests.splice(0);
    expect(verify('k3y', a!.body, a!.headers['x-grafana-alert-signature'])).toBe(true);

    const stamped = integration('webhook', {
      url: receiver.url,
      hmacConfig: {
        secret: 'k3y',
        header: 'X-Grafana-Alerting-Signature',
        timestampHeader: 'X-Grafana-Alerting-Timestamp',
      },
    });
    await stamped.send(stamped.render(notification), 'd');
    const [b] = receiver.requests.splice(0);
    const timestamp = b!.headers['x-grafana-alerting-timestamp'];
    expect(timestamp).toBe(String(Math.floor(clock.now() / 1000)));
    expect(
      verify('k3y', `${timestamp}:${b!.body}`, b!.headers['x-grafana-alerting-signature']),
    ).toBe(true);
    expect(verify('k3y', b!.body, b!.headers['x-grafana-alerting-signature'])).toBe(false);
  });

  it('classifies answers: 2xx sent; 408, 429, 5xx and network errors retryable; other 4xx and redirects not', async () => {
    const webhook = integration('webhook', { url: receiver.url });
    const outcomes = [];
    for (const status of [204, 400, 401, 404, 408, 429, 500, 503]) {
      receiver.answerWith(status);
      const outcome = await webhook.send('{}', 'd');
      outcomes.push([status, outcome.ok || outcome.retryable]);
    }
    expect(outcomes).toEqual([
      [204, true],
      [400, false],
      [401, false],
      [404, false],
      [408, true],
      [429, true],
      [500, true],
      [503, true],
    ]);
    receiver.answerWith({ status: 302, body: '', headers: { location: 'http://elsewhere/' } });
    expect(await webhook.send('{}', 'd')).toEqual({
      ok: false,
      retryable: false,
      httpStatus: 302,
      error: 'HTTP 302 (redirect to http://elsewhere/ not followed)',
    });
    receiver.answerWith({ status: 400, body: ' invalid payload: missing alerts \n' });
    expect(await webhook.send('{}', 'd')).toMatchObject({
      error: 'HTTP 400: invalid payload: missing alerts',
    });
    const refused = integration('webhook', { url: `http://127.0.0.1:${await closedPort()}/` });
    expect(await refused.send('{}', 'd')).toMatchObject({
      ok: false,
      retryable: true,
      httpStatus: undefined,
      error: expect.stringMatching(/^ECONNREFUSED/),
    });
  });

  it('gives up an attempt that gets no answer within the timeout, measured on the injected clock', async () => {
    const webhook = integration(
      'webhook',
      { url: receiver.url },
      { timeoutMs: 2_000, maxResponseBytes: 1024 },
    );
    receiver.answerWith('hang');
    const outcome = webhook.send('{}', 'd');
    await receiver.received(1);
    clock.advance(2_000);
    expect(await outcome).toEqual({
      ok: false,
      retryable: true,
      httpStatus: undefined,
      error: 'no answer within 2000 ms',
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('reads at most maxResponseBytes of an answer', async () => {
    const webhook = integration(
      'webhook',
      { url: receiver.url },
      { timeoutMs: 10_000, maxResponseBytes: 16 },
    );
    receiver.answerWith({ status: 200, body: 'x'.repeat(100_000) });
    expect(await webhook.send('{}', 'd')).toEqual({
      ok: true,
      httpStatus: 200,
      warning: 'answer longer than 16 bytes was not read',
    });
    receiver.answerWith({ status: 500, body: `${'e'.repeat(10)}${'x'.repeat(100_000)}` });
    expect(await webhook.send('{}', 'd')).toMatchObject({
      error: `HTTP 500: ${'e'.repeat(10)}xxxxxx`,
    });
  });

  it('tells from a stored body which alerts it reported firing and resolved', () => {
    const webhook = integration('webhook', { url: receiver.url, maxAlerts: 1 });
    const gone = resolved(
      firing({ alertname: 'HighCost', provider: 'anthropic' }, clock.now()),
      clock.now(),
    );
    const payload = webhook.render({ ...notification, alerts: [gone, alert] });
    // The one past maxAlerts is counted as firing: a restart re-sends its resolve rather than lose it.
    expect(webhook.told(payload, [gone.fingerprint, alert.fingerprint])).toEqual({
      firing: new Set([alert.fingerprint]),
      resolved: new Set([gone.fingerprint]),
    });
  });
});

describe('the Alertmanager integration', () => {
  it('posts Alertmanager’s postable alerts to /api/v2/alerts: firing without endsAt, resolved with it', async () => {
    const am = integration('prometheus-alertmanager', {
      url: `${receiver.url}/`,
      basicAuthUser: 'am',
      basicAuthPassword: 'pw',
    });
    const gone = resolved(
      firing({ alertname: 'HighCost', provider: 'anthropic' }, clock.now() - 5_000),
      clock.now(),
    );
    const payload = am.render({ ...notification, alerts: [alert, gone] });
    expect(await am.send(payload, 'd-7')).toEqual({ ok: true, httpStatus: 200 });
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/api/v2/alerts' });
    expect(request!.headers).toMatchObject({
      authorization: `Basic ${Buffer.from('am:pw').toString('base64')}`,
      'idempotency-key': 'd-7',
    });
    expect(JSON.parse(request!.body)).toEqual([
      {
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: new Date(alert.startsAt).toISOString().replace('.000Z', 'Z'),
        generatorURL: alert.generatorURL,
      },
      {
        labels: gone.labels,
        annotations: gone.annotations,
        startsAt: new Date(gone.startsAt).toISOString().replace('.000Z', 'Z'),
        endsAt: new Date(gone.endsAt!).toISOString().replace('.000Z', 'Z'),
        generatorURL: gone.generatorURL,
      },
    ]);
    expect(am.told(payload, [alert.fingerprint, gone.fingerprint])).toEqual({
      firing: new Set([alert.fingerprint]),
      resolved: new Set([gone.fingerprint]),
    });
  });

  it('pushes to every Alertmanager of the list: sent when one took it, retryable when none did', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const pair = integration('prometheus-alertmanager', { url: `${receiver.url},${other.url}` });
    expect(await pair.send('[]', 'd')).toEqual({ ok: true, httpStatus: 200 });
    expect([receiver.requests.length, other.requests.length]).toEqual([1, 1]);

    const half = integration('prometheus-alertmanager', { url: `${down}, ${receiver.url}` });
    expect(await half.send('[]', 'd')).toMatchObject({
      ok: true,
      httpStatus: 200,
      warning: expect.stringMatching(new RegExp(`^${down}: ECONNREFUSED`)),
    });

    receiver.answerWith(400);
    const none = integration('prometheus-alertmanager', { url: `${down},${receiver.url}` });
    expect(await none.send('[]', 'd')).toMatchObject({
      ok: false,
      retryable: true,
      httpStatus: 400,
    });
  });
});
