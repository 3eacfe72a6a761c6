/**
 * Every panel and variable query of the generated dashboards, expanded as Grafana and the
 * ClickHouse plugin expand them, runs on the embedded engine holding the demo fleet's spans
 * (sent over OTLP to the real ingester) and returns rows of the types its panel needs.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, startServices, type Services } from 'agentmeter';
import { ManualClock } from '@agentmeter/test-kit';
import { AccessLog, AccessEvents, parseConfig } from '@agentmeter/store';
import { DEFAULT_DATABASE, Tables } from '@agentmeter/schema';
import {
  expandQuery,
  panelTargets,
  templateVariables,
  type QueryContext,
  type VariableValue,
} from '@agentmeter/dashboards';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The demo's history ends at the latest 12:00 UTC, so its last hours are working hours. */
const NOW = (() => {
  const noon = Math.floor(Date.now() / DAY) * DAY + DAY / 2;
  return noon <= Date.now() ? noon : noon - DAY;
})();

const GENERATED = join(import.meta.dirname, '..', 'dashboards', 'generated');
const dashboards = readdirSync(GENERATED).map((f) =>
  JSON.parse(readFileSync(join(GENERATED, f), 'utf8')),
);
const targets = dashboards.flatMap(panelTargets);
const variables = dashboards.flatMap(templateVariables);

let services: Services;
let dataPath: string;

beforeAll(async () => {
  dataPath = mkdtempSync(join(tmpdir(), 'agentmeter-dashboards-'));
  services = await startServices(
    parseConfig({
      clickhouse: { dataPath },
      ingester: { port: 0 },
      clickhouseHttp: { enabled: false },
      alerting: { enabled: false },
    }),
  );
  // A week of the demo fleet, through OTLP, the ingester, pricing and the rollup views.
  await runDemo({
    url: services.otlpUrl,
    minutes: 0,
    ratePerSecond: 6,
    backfillHours: 7 * 24 - 1,
    seed: 11,
    clock: new ManualClock(NOW),
    output: { write: () => true },
  });
  await seedAlertsAndAccess(services, NOW);
}, 180_000);

afterAll(async () => {
  await services?.close();
  rmSync(dataPath, { recursive: true, force: true });
});

/**
 * The alerting service and the listeners write these tables as they run; the test writes rows
 * of their shape (a budget rule's instance values, a failed then sent delivery, refused logins
 * through the real access log) spread over the last hour.
 */
async function seedAlertsAndAccess(s: Services, now: number): Promise<void> {
  const client = s.store.client;
  const iso = (ms: number) => new Date(ms).toISOString();
  const db = DEFAULT_DATABASE;
  const settings = { date_time_input_format: 'best_effort' } as const;
  const budget = {
    percent: 84,
    limit_usd: 500,
    spent_usd: 420,
    forecast_usd: 610,
    resets_at: now + 20 * DAY,
    threshold_percent: 80,
  };
  await client.insert({
    table: `${db}.${Tables.ALERT_INSTANCES}`,
    format: 'JSONEachRow',
    clickhouse_settings: settings,
    values: [
      {
        fingerprint: 'a1',
        rule: 'MonthlyBudget',
        labels: { alertname: 'MonthlyBudget', budget_id: 'monthly', severity: 'warning' },
        annotations: {},
        state: 'firing',
        value: 84,
        values: JSON.stringify(budget),
        active_at: iso(now - 30 * 60_000),
        fired_at: iso(now - 29 * 60_000),
        acknowledged_by: 'ops',
        acknowledged_at: iso(now - 10 * 60_000),
        ack_comment: 'raising the limit',
        sequence: 2,
        updated_at: iso(now - 60_000),
      },
      {
        fingerprint: 'b2',
        rule: 'ProviderErrorRate',
        labels: { alertname: 'ProviderErrorRate', provider: 'openai', severity: 'critical' },
        annotations: {},
        state: 'pending',
        value: 0.06,
        values: '{}',
        active_at: iso(now - 5 * 60_000),
        acknowledged_by: '',
        ack_comment: '',
        sequence: 1,
        updated_at: iso(now - 60_000),
      },
    ],
  });
  await client.insert({
    table: `${db}.${Tables.ALERT_HISTORY}`,
    format: 'JSONEachRow',
    clickhouse_settings: settings,
    values: [
      ['inactive', 'pending', 40],
      ['pending', 'firing', 29],
      ['inactive', 'pending', 5],
    ].map(([from, to, minutesAgo]) => ({
      at: iso(now - Number(minutesAgo) * 60_000),
      fingerprint: 'a1',
      rule: 'MonthlyBudget',
      severity: 'warning',
      labels: {},
      from_state: from,
      to_state: to,
      sequence: 1,
      value: 84,
      actor: '',
      comment: '',
    })),
  });
  await client.insert({
    table: `${db}.${Tables.ALERT_DELIVERIES}`,
    format: 'JSONEachRow',
    clickhouse_settings: settings,
    values: [
      ['failed', 502, 'HTTP 502', 28],
      ['sent', 200, '', 27],
    ].map(([status, http, error, minutesAgo], i) => ({
      at: iso(now - Number(minutesAgo) * 60_000),
      delivery_id: 'd1',
      receiver: 'ops-webhook',
      integration: 'webhook',
      group_key: '{}:{alertname="MonthlyBudget"}',
      status,
      alert_status: 'firing',
      fingerprints: ['a1'],
      attempt: i + 1,
      http_status: http,
      error,
      payload: '{}',
    })),
  });
  const log = new AccessLog({ client, database: db });
  for (let i = 0; i < 12; i++)
    log.record({
      at: now - (50 - i) * 60_000,
      listener: 'clickhouse-http',
      event: i % 4 === 0 ? AccessEvents.RATE_LIMITED : AccessEvents.AUTH_FAILED,
      remoteAddress: '203.0.113.9',
      user: 'grafana',
      method: 'POST',
      path: '/',
    });
  await log.flush();
}

interface Result {
  meta: { name: string; type: string }[];
  data: unknown[][];
}

async function run(sql: string): Promise<Result> {
  const rs = await services.store.client.query({ query: sql, format: 'JSONCompact' });
  return (await rs.json()) as unknown as Result;
}

const NUMBER = /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/;
const TIME = /^(Nullable\()?DateTime/;
const STRING = /^(Nullable\()?(LowCardinality\()?String/;

/** What each panel type reads from its frame. */
function assertShape(type: string, r: Result, where: string): void {
  const types = r.meta.map((m) => m.type);
  const numbers = types.filter((t) => NUMBER.test(t)).length;
  if (type === 'timeseries') {
    expect(types[0], `${where}: a time series starts with its time column`).toMatch(TIME);
    expect(numbers, `${where}: a time series has values`).toBeGreaterThan(0);
  } else if (type === 'stat') {
    expect(numbers, `${where}: a stat shows numbers only`).toBe(types.length);
  } else if (type === 'bargauge' || type === 'piechart') {
    expect(
      types.some((t) => STRING.test(t)),
      `${where}: a name column`,
    ).toBe(true);
    expect(numbers, `${where}: values`).toBeGreaterThan(0);
  } else expect(type, where).toBe('table');
}

const RANGES = { '1h': HOUR, '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY } as const;

describe.each(Object.entries(RANGES))('over %s', (label, span) => {
  const base = { fromMs: NOW - span, toMs: NOW, intervalMs: Math.max(1_000, span / 1_000) };
  let options: Record<string, string[]>;
  let rollup: string;

  beforeAll(async () => {
    // The variables as Grafana resolves them: the hidden rollup first, then each filter's values.
    const [r] = (await run(expandQuery(variables.find((v) => v.name === 'rollup')!.sql!, base)))
      .data;
    rollup = String(r![0]);
    options = {};
    const all = { rollup, project: 'All', service: 'All', provider: 'All', model: 'All' } as const;
    for (const v of variables.filter((x) => x.type === 'query' && x.name !== 'rollup'))
      options[v.name] ??= (await run(expandQuery(v.sql!, { ...base, variables: all }))).data.map(
        (row) => String(row[0]),
      );
  });

  it('reads the rollup the range fits, and every filter variable lists values', () => {
    expect(rollup).toBe(
      {
        '1h': Tables.USAGE_1M,
        '24h': Tables.USAGE_1H,
        '7d': Tables.USAGE_1H,
        '30d': Tables.USAGE_1D,
      }[label as keyof typeof RANGES],
    );
    for (const name of ['project', 'service', 'provider', 'model', 'category'])
      expect(options[name]!.length, name).toBeGreaterThan(0);
  });

  const variants: Record<string, (o: Record<string, string[]>) => Record<string, VariableValue>> = {
    All: () => ({ project: 'All', service: 'All', provider: 'All', model: 'All', category: 'All' }),
    'one value each': (o) =>
      Object.fromEntries(
        ['project', 'service', 'provider', 'model', 'category'].map((n) => [n, o[n]!.slice(0, 1)]),
      ),
    'two values each': (o) =>
      Object.fromEntries(
        ['project', 'service', 'provider', 'model', 'category'].map((n) => [n, o[n]!.slice(0, 2)]),
      ),
  };

  it.each(Object.keys(variants))('every panel query runs with %s', async (variant) => {
    const groupby = variables.find((v) => v.name === 'groupby')!.values!;
    for (const t of targets) {
      const where = `${t.dashboard} "${t.panel}" (${label}, ${variant})`;
      const context: QueryContext = {
        ...base,
        variables: { ...variants[variant]!(options), rollup, groupby: groupby[0]! },
        options,
      };
      const r = await run(expandQuery(t.sql, context));
      if (variant === 'All' && !(t.emptyOk && span < 7 * DAY))
        expect(r.data.length, `${where} returns rows`).toBeGreaterThan(0);
      assertShape(t.type, r, where);
    }
  });
});
