/**
 * The ingest pipeline end to end: real OTel JS SDK exporters (protobuf and JSON) → the running
 * ingester → the embedded ClickHouse engine → llm_spans and the 1m/1h/1d rollups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { Agentmeter, GenAi } from '@agentmeter/conventions';
import { startProduct, type Running } from './helpers.js';

let product: Running;
const HOUR = 3_600_000;
/** Two whole hours in the past, so spans fall into known 1h buckets. */
const BASE = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;

beforeAll(async () => {
  product = await startProduct();
});
afterAll(async () => {
  await product?.stop();
});

/** Records spans with a real SDK, so the payloads are what any OTel app sends. */
function record(
  count: number,
  seed: number,
  opts: { service?: string; error?: (i: number) => boolean } = {},
): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.service ?? 'e2e-agent' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('e2e');
  for (let i = 0; i < count; i++) {
    const start = BASE + ((i * 7919 + seed) % (2 * HOUR));
    const duration = 50 + ((i * 104729 + seed) % 4000); // 50..4049 ms, spread
    const span = tracer.startSpan(`chat gpt-4o`, {
      kind: SpanKind.CLIENT,
      startTime: start,
      attributes: {
        [GenAi.OPERATION_NAME]: 'chat',
        [GenAi.PROVIDER_NAME]: i % 3 === 0 ? 'anthropic' : 'openai',
        [GenAi.REQUEST_MODEL]: i % 3 === 0 ? 'claude-sonnet-4' : 'gpt-4o',
        [GenAi.USAGE_INPUT_TOKENS]: 1000 + i,
        [GenAi.USAGE_OUTPUT_TOKENS]: 100 + (i % 50),
        [GenAi.USAGE_CACHE_READ_INPUT_TOKENS]: i % 4 === 0 ? 500 : 0,
        [Agentmeter.COST_USD]: (1000 + i) * 0.000003 + (100 + (i % 50)) * 0.000015,
        [Agentmeter.CATEGORY]: ['docs', 'tests', 'core_backend_high'][i % 3]!,
        [Agentmeter.STRATEGY]: 'progressive',
        [Agentmeter.ESCALATED]: i % 10 === 0,
        [Agentmeter.PROJECT]: 'e2e',
      },
    });
    if (opts.error?.(i)) {
      span.setAttribute(GenAi.ERROR_TYPE, '429');
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(start + duration);
  }
  return memory.getFinishedSpans();
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(spans, (result) =>
      result.code === 0 ? resolve() : reject(result.error ?? new Error('export failed')),
    ),
  );
}

const count = async (where = "project = 'e2e'") =>
  Number(
    (
      await product.rows<{ n: string }>(
        `SELECT count() AS n FROM agentmeter.llm_spans WHERE ${where}`,
      )
    )[0]!.n,
  );

describe('OTLP ingest end to end', () => {
  it('stores spans sent by the SDK protobuf and JSON exporters, with exact rollups at every level', async () => {
    const proto = new ProtoExporter({ url: `${product.otlpUrl}/v1/traces` });
    const json = new JsonExporter({ url: `${product.otlpUrl}/v1/traces` });
    const a = record(1500, 1, { error: (i) => i % 25 === 0 });
    const b = record(500, 2, { service: 'e2e-json' });
    await exportWith(proto, a);
    await exportWith(json, b);
    await proto.shutdown();
    await json.shutdown();

    expect(await count()).toBe(2000);
    // The acknowledgement came after the insert, so the rollups are complete already.
    const raw = (
      await product.rows<Record<string, string>>(
        `SELECT count() AS requests, countIf(status = 'error') AS errors, sum(input_tokens) AS input,
                sum(output_tokens) AS output, sum(cache_read_tokens) AS cache_read, toString(sum(cost_usd)) AS cost,
                countIf(escalated) AS escalations
         FROM agentmeter.llm_spans WHERE project = 'e2e'`,
      )
    )[0]!;
    for (const level of ['1m', '1h', '1d']) {
      const rolled = (
        await product.rows<Record<string, string>>(
          `SELECT sum(requests) AS requests, sum(errors) AS errors, sum(input_tokens) AS input,
                  sum(output_tokens) AS output, sum(cache_read_tokens) AS cache_read, toString(sum(cost_usd)) AS cost,
                  sum(escalations) AS escalations
           FROM agentmeter.llm_usage_${level}_view WHERE project = 'e2e'`,
        )
      )[0]!;
      expect(rolled, `llm_usage_${level}`).toEqual(raw);
    }
    expect(Number(raw['errors'])).toBe(60);
  });

  it('answers p95 from the 1h rollup within t-digest error of the exact p95', async () => {
    const hours = await product.rows<{ bucket: string; p95: number; lo: number; hi: number }>(
      `SELECT h.bucket AS bucket, h.p95 AS p95, r.lo AS lo, r.hi AS hi
       FROM (SELECT bucket, quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(duration_ms_quantiles)[3] AS p95
             FROM agentmeter.llm_usage_1h WHERE project = 'e2e' GROUP BY bucket) AS h
       JOIN (SELECT toStartOfHour(timestamp) AS bucket, quantileExact(0.94)(duration_ms) AS lo, quantileExact(0.96)(duration_ms) AS hi
             FROM agentmeter.llm_spans WHERE project = 'e2e' GROUP BY bucket) AS r USING bucket`,
    );
    expect(hours.length).toBeGreaterThanOrEqual(2);
    // t-digest's error at p95 is a rank error: the estimate lies between the exact 94th and 96th percentiles.
    for (const h of hours) {
      expect(h.p95).toBeGreaterThanOrEqual(h.lo);
      expect(h.p95).toBeLessThanOrEqual(h.hi);
    }
  });

  it('counts a retried request once, in the table and in every rollup', async () => {
    const spans = record(300, 3, { service: 'e2e-retry' });
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    const post = () =>
      fetch(`${product.otlpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf' },
        body,
      });
    const [first, concurrent] = await Promise.all([post(), post()]);
    expect([first.status, concurrent.status]).toEqual([200, 200]);
    expect((await post()).status).toBe(200);
    const where = "service_name = 'e2e-retry'";
    expect(await count(where)).toBe(300);
    for (const level of ['1m', '1h', '1d']) {
      const [r] = await product.rows<{ n: string }>(
        `SELECT sum(requests) AS n FROM agentmeter.llm_usage_${level} WHERE ${where}`,
      );
      expect(Number(r!.n), level).toBe(300);
    }
    const metrics = await (await fetch(`${product.otlpUrl}/metrics`)).text();
    expect(metrics).toMatch(/agentmeter_ingester_spans_duplicate_total (\d+)/);
    expect(
      Number(/agentmeter_ingester_spans_duplicate_total (\d+)/.exec(metrics)![1]),
    ).toBeGreaterThanOrEqual(600);
  });

  it('reports partial success for invalid spans and stores the valid ones', async () => {
    const traceId = 'a1'.repeat(16);
    // A current time in ns (far beyond 2^53), ending in 1 so that any float rounding shows.
    const startNs = `${(BigInt(Date.now()) * 1_000_000n) / 10n}1`;
    const endNs = (BigInt(startNs) + 500_000_000n).toString();
    const payload = {
      resourceSpans: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: { stringValue: 'e2e-partial' } }],
          },
          scopeSpans: [
            {
              scope: { name: 'x' },
              spans: [
                {
                  traceId,
                  spanId: '00000000000000a1',
                  name: 'ok',
                  kind: 3,
                  startTimeUnixNano: 'START',
                  endTimeUnixNano: endNs,
                  attributes: [{ key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } }],
                },
                {
                  traceId: 'nothex',
                  spanId: '00000000000000a2',
                  name: 'bad',
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                  attributes: [{ key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    // Bare JSON number beyond 2^53 for the start time, as the OTLP spec's own example does.
    const text = JSON.stringify(payload).replace(
      '"startTimeUnixNano":"START"',
      `"startTimeUnixNano":${startNs}`,
    );
    const res = await fetch(`${product.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: text,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const answer = (await res.json()) as {
      partialSuccess: { rejectedSpans: string; errorMessage: string };
    };
    expect(answer.partialSuccess.rejectedSpans).toBe('1');
    expect(answer.partialSuccess.errorMessage).toMatch(/invalid trace id/);
    const [row] = await product.rows<{ ts: string }>(
      "SELECT toString(toUnixTimestamp64Nano(timestamp)) AS ts FROM agentmeter.llm_spans WHERE service_name = 'e2e-partial'",
    );
    expect(row!.ts).toBe(startNs);
  });

  it('refuses malformed, oversized, compressed-bomb and mistyped bodies, storing nothing from them', async () => {
    const before = await count('1');
    const post = (body: Buffer | string, headers: Record<string, string>) =>
      fetch(`${product.otlpUrl}/v1/traces`, { method: 'POST', headers, body });

    const garbage = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), {
      'Content-Type': 'application/x-protobuf',
    });
    expect(garbage.status).toBe(400);
    const badJson = await post('{"resourceSpans": [', { 'Content-Type': 'application/json' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { message: string }).message).toBeTruthy();

    const oversized = await post(Buffer.alloc(21 * 1024 * 1024), {
      'Content-Type': 'application/x-protobuf',
    });
    expect(oversized.status).toBe(413);

    // 1 GiB of zeros compresses to ~1 MiB: within the wire limit, far past the decompressed one.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const bombed = await post(bomb, {
      'Content-Type': 'application/x-protobuf',
      'Content-Encoding': 'gzip',
    });
    expect(bombed.status).toBe(413);

    const wrongType = await post('hello', { 'Content-Type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    const wrongEncoding = await post('hello', {
      'Content-Type': 'application/json',
      'Content-Encoding': 'br',
    });
    expect(wrongEncoding.status).toBe(415);

    expect(await count('1')).toBe(before);
  });

  it('accepts a gzip-compressed protobuf export', async () => {
    const exporter = new ProtoExporter({
      url: `${product.otlpUrl}/v1/traces`,
      compression: 'gzip' as never,
    });
    await exportWith(exporter, record(50, 4, { service: 'e2e-gzip' }));
    await exporter.shutdown();
    expect(await count("service_name = 'e2e-gzip'")).toBe(50);
  });

  it('serves health, readiness and the ClickHouse HTTP interface over the same engine', async () => {
    expect((await fetch(`${product.otlpUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${product.otlpUrl}/readyz`)).status).toBe(200);
    const res = await fetch(
      `${product.clickhouseUrl}/?query=${encodeURIComponent("SELECT count() FROM agentmeter.llm_spans WHERE service_name = 'e2e-gzip'")}`,
    );
    expect(res.status).toBe(200);
    expect((await res.text()).trim()).toBe('50');
  });
});
