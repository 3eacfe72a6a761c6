/**
 * Spans ClickHouse cannot store exactly, sent as a hostile or buggy client would, through the
 * real receiver into the real engine: each is rejected with its reason in `partial_success`, the
 * valid spans of the same request and of every concurrent request are stored, nothing is
 * silently changed (issue 7, cases 1 and 4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { jsonRequest, jsonSpan, startProduct, type JsonValue, type Running } from './helpers.js';

const NOW_NS = BigInt(Date.now()) * 1_000_000n;
const DAY_NS = 86_400_000_000_000n;
let product: Running;
let serial = 0;

beforeAll(async () => {
  // A long span retention, so that requests can span more days than one insert may.
  product = await startProduct({ retentionDays: { spans: 365, usage1m: 365, usage1h: 365 } });
});
afterAll(async () => {
  await product?.stop();
});

interface SpanSpec {
  project: string;
  start?: bigint | string;
  attrs?: Record<string, JsonValue>;
}

/** A span with typed token counts as well, so that each test can spoil one value. */
const span = (s: SpanSpec) =>
  jsonSpan({
    serial: ++serial,
    project: s.project,
    ...(s.start !== undefined ? { startNs: s.start } : {}),
    attrs: {
      'gen_ai.operation.name': { stringValue: 'chat' },
      'gen_ai.provider.name': { stringValue: 'openai' },
      'gen_ai.usage.input_tokens': { intValue: '100' },
      'gen_ai.usage.output_tokens': { intValue: '10' },
      ...s.attrs,
    },
  });

async function send(spans: unknown[]): Promise<{ status: number; body: JsonValue }> {
  const res = await fetch(`${product.otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: jsonRequest(spans),
  });
  return { status: res.status, body: (await res.json()) as JsonValue };
}

/** Requests, cost and tokens of a project in llm_spans and each rollup, as exact strings. */
async function levels(project: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const [raw] = await product.rows<{ n: string; c: string; t: string }>(
    `SELECT toString(count()) AS n, toString(sum(cost_usd)) AS c, toString(sum(input_tokens)) AS t
     FROM agentmeter.llm_spans WHERE project = {p:String}`,
    { p: project },
  );
  out.raw = [raw!.n, raw!.c, raw!.t];
  for (const level of ['1m', '1h', '1d']) {
    const [r] = await product.rows<{ n: string; c: string; t: string }>(
      `SELECT toString(sum(requests)) AS n, toString(sum(cost_usd)) AS c, toString(sum(input_tokens)) AS t
       FROM agentmeter.llm_usage_${level} WHERE project = {p:String}`,
      { p: project },
    );
    out[level] = [r!.n, r!.c, r!.t];
  }
  return out;
}

const everywhere = (n: string, cost: string, tokens: string) => ({
  raw: [n, cost, tokens],
  '1m': [n, cost, tokens],
  '1h': [n, cost, tokens],
  '1d': [n, cost, tokens],
});

describe('spans the schema cannot store exactly', () => {
  it('are rejected one by one with their reasons; the rest of the request is stored', async () => {
    const poison = [
      span({ project: 'p1', attrs: { 'gen_ai.usage.input_tokens': { doubleValue: 1.5 } } }),
      span({ project: 'p1', attrs: { 'gen_ai.usage.input_tokens': { stringValue: '1.5' } } }),
      span({ project: 'p1', attrs: { 'agentmeter.cost.usd': { doubleValue: 1e10 } } }),
      span({ project: 'p1', attrs: { 'agentmeter.cost.usd': { doubleValue: 1e300 } } }),
      span({ project: 'p1', attrs: { 'agentmeter.cost.usd': { doubleValue: 'Infinity' } } }),
      span({ project: 'p1', start: '9223372036854775808' }),
    ];
    const valid = [span({ project: 'p1' }), span({ project: 'p1' }), span({ project: 'p1' })];
    const res = await send([valid[0], ...poison, valid[1], valid[2]]);
    expect(res.status).toBe(200);
    const partial = res.body['partialSuccess'] as { rejectedSpans: string; errorMessage: string };
    expect(partial.rejectedSpans).toBe('6');
    expect(partial.errorMessage).toContain('gen_ai.usage.input_tokens must be a whole number');
    expect(partial.errorMessage).toContain('found 1.5');
    expect(partial.errorMessage).toContain('found "1.5"');
    expect(partial.errorMessage).toContain('agentmeter.cost.usd must be an amount in USD');
    expect(await levels('p1')).toEqual(everywhere('3', '0.003', '300'));
  });

  it('never change a value silently: huge token counts, int64 max and negative costs are refused', async () => {
    const res = await send([
      span({ project: 'p4', attrs: { 'gen_ai.usage.input_tokens': { doubleValue: 1e20 } } }),
      span({
        project: 'p4',
        attrs: { 'gen_ai.usage.input_tokens': { intValue: '9223372036854775807' } },
      }),
      span({ project: 'p4', attrs: { 'gen_ai.usage.output_tokens': { intValue: '-3' } } }),
      span({ project: 'p4', attrs: { 'agentmeter.cost.usd': { doubleValue: -5 } } }),
      span({ project: 'p4', attrs: { 'gen_ai.usage.input_tokens': { doubleValue: 250 } } }),
      span({ project: 'p4', attrs: { 'gen_ai.usage.input_tokens': { stringValue: '250' } } }),
    ]);
    expect((res.body['partialSuccess'] as { rejectedSpans: string }).rejectedSpans).toBe('4');
    // 250.0 and "250" are whole numbers: stored as 250, exactly.
    expect(await levels('p4')).toEqual(everywhere('2', '0.002', '500'));
  });

  it('keeps a lone surrogate from failing the request: it is stored as U+FFFD', async () => {
    const text = jsonRequest([span({ project: 'p5' })]).replace(
      '"name":"chat"',
      '"name":"chat\\ud800"',
    );
    const res = await fetch(`${product.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: text,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const [row] = await product.rows<{ name: string }>(
      `SELECT span_name AS name FROM agentmeter.llm_spans WHERE project = 'p5'`,
    );
    expect(row!.name).toBe('chat\ufffd');
  });

  it('do not fail concurrent valid requests grouped into the same insert', async () => {
    const poisoned = () =>
      send([
        span({ project: 'p2' }),
        span({ project: 'p2-bad', attrs: { 'gen_ai.usage.input_tokens': { doubleValue: 1.5 } } }),
      ]);
    const valid = () => send([span({ project: 'p2' })]);
    const results = await Promise.all([
      poisoned(),
      ...Array.from({ length: 20 }, valid),
      poisoned(),
    ]);
    expect(results.map((r) => r.status)).toEqual(Array<number>(22).fill(200));
    expect(await levels('p2')).toEqual(everywhere('22', '0.022', '2200'));
    expect((await levels('p2-bad')).raw![0]).toBe('0');
  });

  it('store 200 concurrent requests each on its own day, and one request over 101 days', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, d) =>
        send([span({ project: 'p3', start: NOW_NS - BigInt(d) * DAY_NS })]),
      ),
    );
    expect(results.every((r) => r.status === 200 && Object.keys(r.body).length === 0)).toBe(true);
    const wide = await send(
      Array.from({ length: 101 }, (_, d) =>
        span({ project: 'p3-wide', start: NOW_NS - BigInt(d) * DAY_NS }),
      ),
    );
    expect(wide).toEqual({ status: 200, body: {} });
    expect(await levels('p3')).toEqual(everywhere('200', '0.2', '20000'));
    expect(await levels('p3-wide')).toEqual(everywhere('101', '0.101', '10100'));
  });

  it('cost the real OTel exporter one span, not its whole batch', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'sdk' }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('hostile');
    for (let i = 0; i < 100; i++) {
      tracer
        .startSpan('chat', {
          attributes: {
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.usage.input_tokens': i === 42 ? 1.5 : 100,
            'agentmeter.cost.usd': 0.001,
            'agentmeter.project': 'p6',
          },
        })
        .end();
    }
    const exporter = new OTLPTraceExporter({ url: `${product.otlpUrl}/v1/traces` });
    const code = await new Promise<number>((resolve) =>
      exporter.export(memory.getFinishedSpans(), (r) => resolve(r.code)),
    );
    await exporter.shutdown();
    expect(code).toBe(0); // success: the exporter does not retry and drop the batch
    expect(await levels('p6')).toEqual(everywhere('99', '0.099', '9900'));
  });
});

describe('spans outside the accepted time range', () => {
  it('are rejected with the reason, never acknowledged and dropped', async () => {
    const tooOld = NOW_NS - 366n * DAY_NS;
    const ahead = NOW_NS + 3_600_000_000_000n;
    const res = await send([
      span({ project: 'p7', start: tooOld }),
      span({ project: 'p7', start: ahead }),
      span({ project: 'p7' }),
    ]);
    const partial = res.body['partialSuccess'] as { rejectedSpans: string; errorMessage: string };
    expect(partial.rejectedSpans).toBe('2');
    expect(partial.errorMessage).toContain('outside the accepted range');
    expect(await levels('p7')).toEqual(everywhere('1', '0.001', '100'));
  });
});
