#!/usr/bin/env node
// End-to-end ingest throughput: OTLP protobuf requests → the running product (a child process,
// embedded engine) → acknowledged = stored in llm_spans and in every rollup. Beside it, the
// ceiling: the same rows inserted straight into the same engine by @clickhouse/client (a second
// child), with the same batch size. Prints spans/s, the ratio, peak RSS and bytes per span.
//
//   npm run build && node bench/ingest.mjs [--spans 200000] [--per-request 1000] [--senders 1,4,16]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildPayloads } from './lib/payloads.mjs';
import { startProductChild, stopProductChild } from './lib/product.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '200000' },
    'per-request': { type: 'string', default: '1000' },
    senders: { type: 'string', default: '1,4,16' },
    ceiling: { type: 'boolean', default: false },
  },
});
const totalSpans = Number(values.spans);
const perRequest = Number(values['per-request']);

if (values.ceiling) await runCeilingChild();
else await runBench();

async function runBench() {
  const payloads = buildPayloads(totalSpans, perRequest, 1);
  const bytes = payloads.reduce((s, p) => s + p.length, 0);
  console.log(
    `payloads: ${payloads.length} requests × ${perRequest} spans, ${(bytes / payloads.length / perRequest).toFixed(0)} B/span on the wire`,
  );
  const results = [];
  for (const senders of values.senders.split(',').map(Number)) {
    results.push(await runProductOnce(payloads, senders));
  }
  const ceiling = await runChild([
    'bench/ingest.mjs',
    '--ceiling',
    '--spans',
    String(totalSpans),
    '--per-request',
    String(perRequest),
  ]);
  const ceilingRate = JSON.parse(ceiling.stdout.trim().split('\n').pop()).spansPerSecond;

  console.log(
    '\n| senders | spans/s end-to-end | of ceiling | peak RSS (MiB) | bytes/span on disk (llm_spans) |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(
      `| ${r.senders} | ${Math.round(r.rate).toLocaleString('en')} | ${((r.rate / ceilingRate) * 100).toFixed(0)}% | ${r.peakRssMiB} | ${r.bytesPerSpan.toFixed(1)} |`,
    );
  }
  console.log(
    `\nceiling (same rows, same batch size, @clickhouse/client insert into the embedded engine): ${Math.round(ceilingRate).toLocaleString('en')} spans/s`,
  );
}

/** Starts the product, sends every payload with `senders` concurrent loops, checks the rollups. */
async function runProductOnce(payloads, senders) {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmeter-bench-'));
  const { child, ...urls } = await startProductChild(dataDir);
  const started = performance.now();
  let next = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < payloads.length) {
        const body = payloads[next++];
        for (;;) {
          const res = await fetch(urls.otlp, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-protobuf' },
            body,
          });
          await res.arrayBuffer();
          if (res.status === 200) break;
          if (res.status !== 429 && res.status !== 503) throw new Error(`status ${res.status}`);
          failures++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const q = async (sql) =>
    (await (await fetch(`${urls.clickhouse}/?query=${encodeURIComponent(sql)}`)).text()).trim();
  const inRollup = Number(await q('SELECT sum(requests) FROM agentmeter.llm_usage_1d'));
  const expected = payloads.length * perRequest;
  if (inRollup !== expected) throw new Error(`rollup holds ${inRollup} spans, sent ${expected}`);
  const bytesPerSpan = Number(
    await q(
      "SELECT sum(bytes_on_disk) / sum(rows) FROM system.parts WHERE database = 'agentmeter' AND table = 'llm_spans' AND active",
    ),
  );
  const peakRssMiB = Math.round(
    Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024,
  );
  await stopProductChild(child);
  rmSync(dataDir, { recursive: true, force: true });
  const rate = expected / seconds;
  console.log(
    `senders=${senders}: ${expected} spans in ${seconds.toFixed(2)} s = ${Math.round(rate)} spans/s (${failures} back-pressure retries)`,
  );
  return { senders, rate, peakRssMiB, bytesPerSpan };
}

function runChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.once('exit', (code) =>
      code === 0 ? resolve({ stdout }) : reject(new Error(`child exited ${code}`)),
    );
  });
}

/** The ceiling: decode and normalise outside the clock, then time only the inserts. */
async function runCeilingChild() {
  const { openStore, migrate } = await import('../packages/store/dist/index.js');
  const { DEFAULT_RETENTION, LLM_SPAN_COLUMNS } = await import('../packages/schema/dist/index.js');
  const { Normaliser, decodeTraceRequestProtobuf } =
    await import('../packages/ingester/dist/index.js');
  const payloads = buildPayloads(totalSpans, perRequest, 1);
  const normaliser = new Normaliser();
  const batches = payloads.map((p) => normaliser.normalise(decodeTraceRequestProtobuf(p)).rows);
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmeter-ceiling-'));
  const store = openStore({ dataPath: dataDir });
  await migrate(store.client, { database: 'agentmeter', retention: DEFAULT_RETENTION });
  // Same batch size the ingester reaches under load (its group commit gathers up to 20k rows).
  const batchRows = 20_000;
  // The fastest text format the client offers, as the ingester uses.
  const rows = batches.flat().map((row) => LLM_SPAN_COLUMNS.map((c) => row[c]));
  const started = performance.now();
  for (let i = 0; i < rows.length; i += batchRows) {
    await store.client.insert({
      table: 'agentmeter.llm_spans',
      values: rows.slice(i, i + batchRows),
      format: 'JSONCompactEachRow',
      columns: [...LLM_SPAN_COLUMNS],
    });
  }
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(JSON.stringify({ spansPerSecond: rows.length / seconds }));
}
