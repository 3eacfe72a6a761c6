#!/usr/bin/env node
// Ingest and light queries while one user floods the ClickHouse interface with heavy queries.
// The product runs as a child process on the embedded engine. For 20 s: 20 concurrent loops of a
// CPU-heavy query as user "heavy"; one request of 100 spans every 50 ms to the receiver; one
// `SELECT 1` every 200 ms as user "light". Prints ingest latency (p50/p99), how many light
// queries were answered, and how the heavy ones ended.
//
//   npm run build && node bench/query-load.mjs [--seconds 20] [--heavy 20]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startProductChild, stopProductChild } from './lib/product.mjs';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, heavy: { type: 'string', default: '20' } },
});
const seconds = Number(values.seconds);
const HEAVY = 'SELECT sum(cityHash64(number)) FROM numbers(2000000000)';

const dataDir = mkdtempSync(join(tmpdir(), 'agentmeter-query-load-'));
const config = join(dataDir, 'agentmeter.yaml');
// Two read-only users; a tree whose config does not know a key refuses to start, so only the
// users are configured here and every limit keeps its default.
writeFileSync(
  config,
  'clickhouseHttp:\n  users:\n    - { name: heavy, password: heavy-pw, readonly: true }\n    - { name: light, password: light-pw, readonly: true }\n',
);
const { child, ...urls } = await startProductChild(join(dataDir, 'data'), ['--config', config]);

const query = async (user, sql) => {
  const res = await fetch(`${urls.clickhouse}/`, {
    method: 'POST',
    headers: { 'X-ClickHouse-User': user, 'X-ClickHouse-Key': `${user}-pw` },
    body: sql,
  });
  await res.arrayBuffer();
  return res.status === 200
    ? 'ok'
    : (res.headers.get('x-clickhouse-exception-code') ?? String(res.status));
};

let serial = 0;
function spans(n) {
  const start = BigInt(Date.now() - 1000) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: Array.from({ length: n }, () => {
              serial++;
              return {
                traceId: serial.toString(16).padStart(32, '0'),
                spanId: serial.toString(16).padStart(16, '0'),
                name: 'chat',
                startTimeUnixNano: String(start),
                endTimeUnixNano: String(start + 1000n),
                attributes: [
                  { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
                  { key: 'agentmeter.cost.usd', value: { doubleValue: 0.001 } },
                ],
              };
            }),
          },
        ],
      },
    ],
  });
}

const until = Date.now() + seconds * 1000;
const heavyOutcomes = new Map();
const lightOutcomes = new Map();
const ingestMs = [];
const count = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);

const heavyLoops = Array.from({ length: Number(values.heavy) }, async () => {
  while (Date.now() < until) count(heavyOutcomes, await query('heavy', HEAVY).catch(() => 'error'));
});
const lightLoop = (async () => {
  while (Date.now() < until) {
    count(lightOutcomes, await query('light', 'SELECT 1').catch(() => 'error'));
    await new Promise((r) => setTimeout(r, 200));
  }
})();
const ingestLoop = (async () => {
  while (Date.now() < until) {
    const t = performance.now();
    const res = await fetch(`${urls.otlp}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: spans(100),
    });
    await res.arrayBuffer();
    if (res.status === 200) ingestMs.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 50));
  }
})();
await Promise.all([...heavyLoops, lightLoop, ingestLoop]);
await stopProductChild(child);
rmSync(dataDir, { recursive: true, force: true });

ingestMs.sort((a, b) => a - b);
const q = (p) => ingestMs[Math.min(ingestMs.length - 1, Math.floor(p * ingestMs.length))];
const show = (m) => [...m].map(([k, v]) => `${k}: ${v}`).join(', ');
console.log(
  `ingest: ${ingestMs.length} requests acknowledged, p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms`,
);
console.log(`light SELECT 1: ${show(lightOutcomes)}`);
console.log(`heavy queries: ${show(heavyOutcomes)}`);
