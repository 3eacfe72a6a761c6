#!/usr/bin/env node
// Dashboard query latency: a 30-day "cost, calls and p95 latency per day and model" panel
// answered from the 1h rollup, beside the same panel computed from llm_spans, over N generated
// spans (default 10M) spread over 35 days. Rows are generated inside the engine with
// INSERT … SELECT into llm_spans, so the materialized views build the rollups as in production.
//
//   npm run build && node bench/query.mjs [--spans 10000000] [--runs 15]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_RETENTION } from '../packages/schema/dist/index.js';
import { migrate, openStore } from '../packages/store/dist/index.js';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '15' },
  },
});
const total = Number(values.spans);
const runs = Number(values.runs);

const dataDir = mkdtempSync(join(tmpdir(), 'agentmeter-query-bench-'));
const store = openStore({ dataPath: dataDir });
const retention = { ...DEFAULT_RETENTION, spans: 60 };
await migrate(store.client, { database: 'agentmeter', retention });

const DAYS = 35;
const generated = performance.now();
const chunk = 1_000_000;
for (let offset = 0; offset < total; offset += chunk) {
  const n = Math.min(chunk, total - offset);
  await store.client.command({
    query: `INSERT INTO agentmeter.llm_spans
      (timestamp, duration_ms, trace_id, span_id, service_name, operation, provider, request_model, response_model,
       category, strategy, role, attempt, escalated, status, error_category, input_tokens, output_tokens,
       cache_read_tokens, cost_usd, cost_source, project, user_id)
    SELECT
      now64(9) - toIntervalSecond((number * 2654435761) % (${DAYS} * 86400)) AS timestamp,
      50 + (cityHash64(number) % 8000) AS duration_ms,
      lower(hex(cityHash64(number, 1))) || lower(hex(cityHash64(number, 2))),
      lower(hex(cityHash64(number, 3))),
      ['code-agent', 'review-agent', 'support-bot'][1 + number % 3],
      'chat',
      ['openai', 'anthropic', 'gcp.gemini', 'deepseek', 'openai', 'anthropic'][1 + number % 6],
      ['gpt-4o', 'claude-sonnet-4', 'gemini-2.0-flash', 'deepseek-chat', 'gpt-4o-mini', 'claude-opus-4'][1 + number % 6],
      ['gpt-4o', 'claude-sonnet-4', 'gemini-2.0-flash', 'deepseek-chat', 'gpt-4o-mini', 'claude-opus-4'][1 + number % 6],
      ['docs', 'tests', 'core_backend_high', 'security_auth_change', 'schema_contract_change_additive'][1 + number % 5],
      ['best_first', 'progressive', 'cheap_first'][1 + number % 3],
      ['builder', 'auditor'][1 + number % 2],
      1 + number % 3,
      number % 7 = 0,
      if(number % 50 = 0, 'error', 'ok'),
      if(number % 50 = 0, 'rate_limit', ''),
      1000 + number % 5000,
      100 + number % 900,
      if(number % 3 = 0, 500, 0),
      toDecimal64((1000 + number % 5000) * 0.000003 + (100 + number % 900) * 0.000015, 9),
      'catalog',
      ['acme-web', 'acme-data', 'acme-ml', 'acme-ops'][1 + number % 4],
      'user-' || toString(number % 500)
    FROM numbers(${offset}, ${n})`,
  });
}
await store.client.command({ query: 'OPTIMIZE TABLE agentmeter.llm_usage_1h FINAL' });
const genSeconds = (performance.now() - generated) / 1000;

const count = async (table, col) =>
  Number(
    (
      await (
        await store.client.query({
          query: `SELECT ${col} AS n FROM agentmeter.${table}`,
          format: 'JSONEachRow',
        })
      ).json()
    )[0].n,
  );
console.log(
  `generated ${(await count('llm_spans', 'count()')).toLocaleString('en')} spans over ${DAYS} days in ${genSeconds.toFixed(0)} s; llm_usage_1h has ${(await count('llm_usage_1h', 'count()')).toLocaleString('en')} rows`,
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
await store.close();
rmSync(dataDir, { recursive: true, force: true });
