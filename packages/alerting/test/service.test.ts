/**
 * The alerting service as `npm start` composes it, on the real engine and real HTTP, driven by a
 * manual clock: the API's keys and scopes, its rate limit, rule changes through the API (kept
 * across a restart), statistics, budgets, probes and metrics, a contact point that keeps failing
 * (its own alert and /readyz), and a restart that sends no second firing notification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openStore, parseConfig, type AccessEvent, type Store } from '@agentmeter/store';
import { DEFAULT_RETENTION } from '@agentmeter/schema';
import { ManualClock } from '@agentmeter/test-kit';
import { startAlerting, type AlertingService } from '../src/service.js';

const READ_KEY = 'read-key-0123456789';
const WRITE_KEY = 'write-key-0123456789';
let dir: string;
let store: Store;
let databases = 0;
let receiver: Server;
let receiverUrl: string;
const hooks: unknown[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentmeter-alerting-service-'));
  store = await openStore({ dataPath: join(dir, 'data') });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body));
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  receiver?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Always firing: `SELECT 1 AS value` > 0, evaluated every 10 s. */
const ALWAYS = `groups:
  - name: test
    interval: 10s
    rules:
      - alert: AlwaysFiring
        kind: sql
        query: SELECT 1 AS value
        op: '>'
        threshold: 0
        labels: { severity: critical }
        annotations: { summary: 'value {{ $value }}' }
`;

function file(name: string, text: string): string {
  const path = join(dir, `${databases}-${name}`);
  writeFileSync(path, text);
  return path;
}

function notifications(url: string): string {
  return `apiVersion: 1
contactPoints:
  - orgId: 1
    name: hook
    receivers:
      - uid: hook-1
        type: webhook
        settings: { url: '${url}' }
policies:
  - orgId: 1
    receiver: hook
    group_wait: 0s
    group_interval: 10s
    repeat_interval: 4h
`;
}

interface Started {
  service: AlertingService;
  clock: ManualClock;
  database: string;
  access: AccessEvent[];
  api: (path: string, init?: RequestInit & { key?: string }) => Promise<Response>;
  tick: (ms?: number) => Promise<void>;
}

async function start(
  o: { rules?: string; notifications?: string; database?: string; clock?: ManualClock } = {},
): Promise<Started> {
  const database = o.database ?? `alerting_svc_${++databases}`;
  await migrate(store.client, { database, retention: DEFAULT_RETENTION });
  const clock = o.clock ?? new ManualClock(Date.UTC(2026, 11, 1, 12));
  const access: AccessEvent[] = [];
  const config = parseConfig({
    clickhouse: { database },
    alerting: {
      port: 0,
      apiKeys: [
        { key: READ_KEY, scopes: ['read'] },
        { key: WRITE_KEY, scopes: ['read', 'write'] },
      ],
      rateLimitPerSecond: 5,
      ruleFiles: o.rules ? [file('rules.yaml', o.rules)] : [],
      notificationFiles: o.notifications ? [file('notifications.yaml', o.notifications)] : [],
    },
  });
  const service = await startAlerting({
    client: store.client,
    config,
    clock,
    onAccessRefused: (e) => access.push(e),
  });
  const tick = async (ms = 10_000) => {
    clock.advance(ms);
    await service.manager.settled();
    await service.dispatcher?.settled();
  };
  await tick(0);
  const api = (path: string, init: RequestInit & { key?: string } = {}) =>
    fetch(`${service.url}${path}`, {
      ...init,
      headers: {
        ...(init.key ? { Authorization: `Bearer ${init.key}` } : {}),
        ...(init.body ? { 'Content-Type': 'application/json' } : {}),
      },
    });
  return { service, clock, database, access, api, tick };
}

describe('API keys, scopes and limits', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start({ rules: ALWAYS });
  });
  afterAll(() => s.service.close(1000));

  it('reads with a read key, refuses a write with it (403), and anything without a key (401)', async () => {
    expect((await s.api('/api/v1/alerts')).status).toBe(401);
    const alerts = await s.api('/api/v1/alerts', { key: READ_KEY });
    expect(alerts.status).toBe(200);
    const body = (await alerts.json()) as { data: { alerts: { fingerprint: string }[] } };
    const fp = body.data.alerts[0]!.fingerprint;
    const refused = await s.api(`/api/v1/alerts/${fp}/acknowledge`, {
      method: 'POST',
      key: READ_KEY,
      body: JSON.stringify({ by: 'eve' }),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      status: 'error',
      errorType: 'forbidden',
      error: 'this API key may not write',
    });
    expect(s.access.map((e) => [e.listener, e.event, e.path])).toEqual([
      ['alerting', 'auth_failed', '/api/v1/alerts'],
      ['alerting', 'auth_failed', `/api/v1/alerts/${fp}/acknowledge`],
    ]);
    const ok = await s.api(`/api/v1/alerts/${fp}/acknowledge`, {
      method: 'POST',
      key: WRITE_KEY,
      body: JSON.stringify({ by: 'ana', comment: 'known' }),
    });
    expect(ok.status).toBe(200);
  });

  it('rate-limits a client past its burst (429, recorded), and lets it on as the bucket refills', async () => {
    s.clock.advance(10_000); // a full bucket: 10 requests (2 × 5/s)
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await s.api('/healthz')).status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(s.access.at(-1)).toMatchObject({ event: 'rate_limited', path: '/healthz' });
    s.clock.advance(1_000);
    expect((await s.api('/healthz')).status).toBe(200);
  });
});

describe('rules through the API', () => {
  it('creates, disables and removes a rule, validated like a file and kept across a restart', async () => {
    const s = await start({});
    const put = (body: unknown) =>
      s.api('/api/v1/rules/custom/TooManyTokens', {
        method: 'PUT',
        key: WRITE_KEY,
        body: JSON.stringify(body),
      });
    const bad = await put({ metric: 'tokenz', window: '5m', op: '>', threshold: 1 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('groups[0].rules[0].metric');
    expect((await put({ metric: 'tokens', window: '5m', op: '>', threshold: 1e9 })).status).toBe(
      200,
    );
    await s.api('/api/v1/rules/custom/TooManyTokens/disable', { method: 'POST', key: WRITE_KEY });
    const rules = async (svc: Started) =>
      (
        (await (await svc.api('/api/v1/rules', { key: READ_KEY })).json()) as {
          data: {
            groups: { name: string; rules: { name: string; file: string; enabled: boolean }[] }[];
          };
        }
      ).data.groups.find((g) => g.name === 'custom')?.rules;
    expect(await rules(s)).toEqual([
      expect.objectContaining({ name: 'TooManyTokens', file: 'api', enabled: false }),
    ]);
    const fileRule = await s.api('/api/v1/rules/agentmeter-llm-health/ErrorSpike', {
      method: 'DELETE',
      key: WRITE_KEY,
    });
    expect(fileRule.status).toBe(404);
    expect(((await fileRule.json()) as { error: string }).error).toContain('disable it');
    await s.service.close(1000);

    const again = await start({ database: s.database });
    expect(await rules(again)).toEqual([
      expect.objectContaining({ name: 'TooManyTokens', enabled: false }),
    ]);
    expect(
      (await again.api('/api/v1/rules/custom/TooManyTokens', { method: 'DELETE', key: WRITE_KEY }))
        .status,
    ).toBe(200);
    expect(await rules(again)).toBeUndefined();
    await again.service.close(1000);
  });
});

describe('statistics, budgets, probes and metrics', () => {
  it('answers each in the Prometheus envelope', async () => {
    const s = await start({ rules: ALWAYS });
    const json = async (path: string) =>
      (await (await s.api(path, { key: READ_KEY })).json()) as {
        status: string;
        data: Record<string, unknown>;
      };
    expect((await json('/api/v1/stats?hours=24')).data).toMatchObject({
      hours: 24,
      now: { firing: { critical: 1 } },
      window: { fired: { critical: 1 } },
    });
    expect((await s.api('/api/v1/stats?hours=-1', { key: READ_KEY })).status).toBe(400);
    expect((await json('/api/v1/budgets')).data).toEqual({ budgets: [] }); // no budget rule in this file
    expect((await s.api('/readyz')).status).toBe(200);
    const metrics = await (await s.api('/metrics')).text();
    expect(metrics).toContain('# TYPE agentmeter_alerting_rule_evaluations_total counter');
    expect(metrics).toContain('agentmeter_alerting_alerts{state="firing"} 1');
    expect(metrics).toContain('agentmeter_alerting_group_evaluations_queued 0');
    // Every family is documented (docs/alerting.md lists them).
    const documented = readFileSync(new URL('../../../docs/alerting.md', import.meta.url), 'utf8');
    const families = [...metrics.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
    expect(families.filter((f) => !documented.includes(`\`${f}`))).toEqual([]);
    const test = await s.api('/api/v1/contact-points/hook/test', {
      method: 'POST',
      key: WRITE_KEY,
    });
    expect(test.status).toBe(502);
    await s.service.close(1000);
  });

  it('reports the default pack’s budget: spend, limit, percent, forecast and reset time', async () => {
    const s = await start({});
    const body = (await (await s.api('/api/v1/budgets', { key: READ_KEY })).json()) as {
      data: { budgets: Record<string, unknown>[] };
    };
    expect(body.data.budgets).toEqual([
      expect.objectContaining({
        budgetId: 'default-monthly',
        limitUsd: 500,
        spentUsd: 0,
        percent: 0,
        forecastUsd: 0,
        resetsAt: '2027-01-01T00:00:00.000Z',
      }),
    ]);
    await s.service.close(1000);
  });
});

describe('notifications across failures and restarts', () => {
  it('a contact point that keeps failing fails /readyz and raises its own alert', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const s = await start({ rules: ALWAYS, notifications: notifications(deadUrl) });
    for (let i = 0; i < 12 && (await s.api('/readyz')).status === 200; i++) await s.tick();
    const ready = await s.api('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/^contact point hook \(hook-1\) failing since /);
    await s.tick(30_000);
    const alerts = (await (await s.api('/api/v1/alerts', { key: READ_KEY })).json()) as {
      data: { alerts: { labels: Record<string, string> }[] };
    };
    expect(alerts.data.alerts.map((a) => a.labels)).toEqual(
      expect.arrayContaining([
        {
          alertname: 'AgentmeterContactPointFailing',
          receiver: 'hook',
          integration: 'hook-1',
          severity: 'critical',
        },
      ]),
    );
    await s.service.close(1000);
  });

  it('a restart resumes firing alerts and sends no second firing notification', async () => {
    hooks.length = 0;
    const first = await start({ rules: ALWAYS, notifications: notifications(receiverUrl) });
    await first.tick();
    expect(hooks).toHaveLength(1);
    await first.service.close(1000);
    const clock = first.clock;
    const second = await start({
      rules: ALWAYS,
      notifications: notifications(receiverUrl),
      database: first.database,
      clock,
    });
    await second.tick();
    await second.tick();
    expect(hooks).toHaveLength(1);
    const [alert] = second.service.manager.alerts();
    expect(alert).toMatchObject({ state: 'firing', firedAt: Date.UTC(2026, 11, 1, 12) });
    await second.service.close(1000);
  });
});
