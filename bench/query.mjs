#!/usr/bin/env node
// Dashboard query latency over N generated spans (default 10M) spread over 35 days (bench/lib/spans.mjs:
// INSERT … SELECT into llm_spans, so the materialized views build the rollups as in production):
// 1. a 30-day "cost, calls and p95 latency per day and model" panel from the 1h rollup beside the
//    same panel computed from llm_spans;
// 2. every panel of every generated dashboard (dashboards/generated) as Grafana sends it for a
//    30-day view, filters on All: per dashboard its slowest panel (issue 11: each under 100 ms).
//
//   npm run build && node bench/query.mjs [--spans 10000000] [--runs 15]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readdirSync, readFileSync } from 'node:fs';
import { AlertStates, DeliveryStatuses, Severities } from '../packages/conventions/dist/index.js';
import { expandQuery, panelTargets, templateVariables } from '../dashboards/dist/index.js';
import { DEFAULT_RETENTION, ROLLUP_TABLES } from '../packages/schema/dist/index.js';
import { AccessEvents, migrate, openStore } from '../packages/store/dist/index.js';
import { generateSpans, tableCounts } from './lib/spans.mjs';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '15' },
    /** Also print every panel's median, not only each dashboard's slowest. */
    panels: { type: 'boolean', default: false },
  },
});
const total = Number(values.spans);
const runs = Number(values.runs);

const dataDir = mkdtempSync(join(tmpdir(), 'agentmeter-query-bench-'));
const store = openStore({ dataPath: dataDir });
const retention = { ...DEFAULT_RETENTION, spans: 60 };
await migrate(store.client, { database: 'agentmeter', retention });

const DAYS = 35;
const THIRTY_DAYS = 30 * 86_400_000;
const generated = performance.now();
await generateSpans(store.client, {
  spans: total,
  days: DAYS,
  onChunk: (done) => process.stderr.write(`  generated ${done.toLocaleString('en')} spans\r`),
});
// Every rollup merged, as after days of background merges (each generated chunk spans all 35 days).
for (const t of ROLLUP_TABLES)
  await store.client.command({ query: `OPTIMIZE TABLE agentmeter.${t} FINAL` });
await seedAlertingTables(store.client, DAYS);
const genSeconds = (performance.now() - generated) / 1000;

/**
 * What a month of a busy alerting service and its listeners leave in their tables, so the alerts
 * and tenancy dashboards read realistic volumes: 2,000 instances, 100k history rows, 50k
 * delivery attempts, 200k refused requests from 300 addresses.
 */
async function seedAlertingTables(client, days) {
  const at = (n) =>
    `now64(3) - toIntervalMillisecond(cityHash64(number, ${n}) % ${days * 86_400_000})`;
  const pick = (list, n) =>
    `[${list.map((x) => `'${x}'`).join(', ')}][1 + cityHash64(number, ${n}) % ${list.length}]`;
  const rules = Array.from({ length: 40 }, (_, i) => `Rule${i}`);
  const severities = Object.values(Severities);
  await client.command({
    query: `INSERT INTO agentmeter.alert_instances (fingerprint, rule, labels, annotations, state, value, values,
        active_at, fired_at, acknowledged_by, ack_comment, sequence, updated_at)
      SELECT hex(cityHash64(number)), ${pick(rules, 1)}, map('alertname', 'x', 'severity', ${pick(severities, 2)}), map(),
        ${pick([AlertStates.PENDING, AlertStates.FIRING, AlertStates.RECOVERING, AlertStates.RESOLVED], 3)}, 1, '{}',
        ${at(4)}, ${at(4)}, if(number % 5 = 0, 'ops', ''), '', 1, now64(3) FROM numbers(2000)`,
  });
  await client.command({
    query: `INSERT INTO agentmeter.alert_history (at, fingerprint, rule, severity, labels, from_state, to_state, sequence, value, actor, comment)
      SELECT ${at(1)}, hex(cityHash64(number % 2000)), ${pick(rules, 2)}, ${pick(severities, 3)}, map(),
        ${pick([AlertStates.INACTIVE, AlertStates.PENDING, AlertStates.FIRING], 4)},
        ${pick([AlertStates.PENDING, AlertStates.FIRING, AlertStates.RESOLVED], 5)}, number, 1, '', '' FROM numbers(100000)`,
  });
  await client.command({
    query: `INSERT INTO agentmeter.alert_deliveries (at, delivery_id, receiver, integration, group_key, status, alert_status,
        fingerprints, attempt, http_status, error, payload)
      SELECT ${at(1)}, hex(cityHash64(number % 20000)), ${pick(['ops-webhook', 'oncall', 'alertmanager'], 2)}, 'webhook', '{}',
        ${pick(Object.values(DeliveryStatuses), 3)}, 'firing', [hex(cityHash64(number % 2000))], 1 + number % 3,
        ${pick(['200', '502', '0'], 4)}, '', '{}' FROM numbers(50000)`,
  });
  await client.command({
    query: `INSERT INTO agentmeter.access_events (at, listener, event, remote_address, user, method, path)
      SELECT ${at(1)}, ${pick(['otlp', 'clickhouse-http', 'alerting'], 2)}, ${pick(Object.values(AccessEvents), 3)},
        concat('203.0.113.', toString(cityHash64(number, 4) % 300)), ${pick(['grafana', 'ci', ''], 5)}, 'POST', '/' FROM numbers(200000)`,
  });
}

const counts = await tableCounts(store.client);
console.log(
  `generated ${counts.llm_spans.toLocaleString('en')} spans over ${DAYS} days in ${genSeconds.toFixed(0)} s; rollup rows: ${['llm_usage_1m', 'llm_usage_1h', 'llm_usage_1d'].map((t) => `${t} ${counts[t].toLocaleString('en')}`).join(', ')}`,
);

// Two panels: cost and calls per day and model (sums only), and p95 latency per day and model.
const PANELS = {
  'cost/day/model': {
    rollup: `SELECT toStartOfDay(bucket) AS day, request_model, sum(cost_usd) AS usd, sum(requests) AS calls
       FROM agentmeter.llm_usage_1h
       WHERE bucket >= toStartOfDay(now()) - INTERVAL 30 DAY AND project = 'acme-web'
       GROUP BY day, request_model ORDER BY day, request_model`,
    raw: `SELECT toStartOfDay(timestamp) AS day, request_model, sum(cost_usd) AS usd, count() AS calls
       FROM agentmeter.llm_spans
       WHERE timestamp >= toStartOfDay(now()) - INTERVAL 30 DAY AND project = 'acme-web'
       GROUP BY day, request_model ORDER BY day, request_model`,
  },
  'p95/day/model': {
    rollup: `SELECT toStartOfDay(bucket) AS day, request_model,
         quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(duration_ms_quantiles)[3] AS p95_ms
       FROM agentmeter.llm_usage_1h
       WHERE bucket >= toStartOfDay(now()) - INTERVAL 30 DAY AND project = 'acme-web'
       GROUP BY day, request_model ORDER BY day, request_model`,
    raw: `SELECT toStartOfDay(timestamp) AS day, request_model, quantileTDigest(0.95)(duration_ms) AS p95_ms
       FROM agentmeter.llm_spans
       WHERE timestamp >= toStartOfDay(now()) - INTERVAL 30 DAY AND project = 'acme-web'
       GROUP BY day, request_model ORDER BY day, request_model`,
  },
};

async function time(sql) {
  const samples = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    rows = (await (await store.client.query({ query: sql, format: 'JSONEachRow' })).json()).length;
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return {
    median: samples[Math.floor(samples.length / 2)],
    p90: samples[Math.floor(samples.length * 0.9)],
    rows,
  };
}

console.log('\n| panel (30 days, one project) | source | median ms | p90 ms | rows |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const [name, sql] of Object.entries(PANELS)) {
  const rollup = await time(sql.rollup);
  const raw = await time(sql.raw);
  console.log(
    `| ${name} | llm_usage_1h | ${rollup.median.toFixed(1)} | ${rollup.p90.toFixed(1)} | ${rollup.rows} |`,
  );
  console.log(
    `| ${name} | llm_spans | ${raw.median.toFixed(1)} | ${raw.p90.toFixed(1)} | ${raw.rows} |`,
  );
  console.log(
    `| ${name} | ratio (medians, same run) | ${(raw.median / rollup.median).toFixed(1)}× | | |`,
  );
}
// ---------------------------------------------------------------- every dashboard panel, 30 days
const GENERATED = new URL('../dashboards/generated/', import.meta.url);
const dashboards = readdirSync(GENERATED).map((f) =>
  JSON.parse(readFileSync(new URL(f, GENERATED), 'utf8')),
);
const rows = async (sql) =>
  (await (await store.client.query({ query: sql, format: 'JSONCompact' })).json()).data;
// A 30-day view ending now, at Grafana's default 1,000-odd points (interval = range / 1000).
const now = Date.now();
const view = { fromMs: now - THIRTY_DAYS, toMs: now, intervalMs: THIRTY_DAYS / 1000 };
const ALL = { project: 'All', service: 'All', provider: 'All', model: 'All', category: 'All' };

console.log(
  '\n| dashboard | panels | slowest panel (30 days, All) | its median ms | its p90 ms | panels ≥ 100 ms | Σ medians ms |',
);
console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: |');
let worst = 0;
const perPanel = [];
for (const d of dashboards) {
  const variables = templateVariables(d);
  // As Grafana resolves them: the hidden rollup variable first, then the filters' options.
  const rollupVariable = variables.find((v) => v.name === 'rollup');
  const rollup = rollupVariable
    ? String((await rows(expandQuery(rollupVariable.sql, view)))[0][0])
    : 'no rollup variable';
  const options = {};
  for (const v of variables.filter((x) => x.type === 'query' && x.name !== 'rollup'))
    options[v.name] = (
      await rows(expandQuery(v.sql, { ...view, variables: { ...ALL, rollup } }))
    ).map((r) => String(r[0]));
  const custom = Object.fromEntries(
    variables.filter((v) => v.values).map((v) => [v.name, v.values[0]]),
  );
  const context = { ...view, variables: { ...custom, ...ALL, rollup }, options };
  const timed = [];
  for (const t of panelTargets(d))
    timed.push({ panel: t.panel, ...(await time(expandQuery(t.sql, context))) });
  const slowest = timed.reduce((a, b) => (b.median > a.median ? b : a));
  worst = Math.max(worst, slowest.median);
  console.log(
    `| ${d.title} (\`${d.uid}\`, ${rollup}) | ${timed.length} | ${slowest.panel} | ${slowest.median.toFixed(1)} | ${slowest.p90.toFixed(1)} | ${timed.filter((x) => x.median >= 100).length} | ${timed.reduce((a, x) => a + x.median, 0).toFixed(0)} |`,
  );
  perPanel.push(
    ...timed.map(
      (x) =>
        `| ${d.title} | ${x.panel} | ${x.median.toFixed(1)} | ${x.p90.toFixed(1)} | ${x.rows} |`,
    ),
  );
}
if (values.panels)
  console.log(
    [
      '\n| dashboard | panel | median ms | p90 ms | rows |',
      '| --- | --- | ---: | ---: | ---: |',
      ...perPanel,
    ].join('\n'),
  );
console.log(
  `\nGoal: every panel of a 30-day view under 100 ms: ${worst < 100 ? 'met' : 'NOT met'} (slowest ${worst.toFixed(1)} ms).`,
);

await store.close();
rmSync(dataDir, { recursive: true, force: true });
