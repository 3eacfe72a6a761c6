/**
 * `agentmeter reprice` end to end: spans of the two previous days ingested through the OTLP
 * receiver and priced by the default catalog, then repriced with an override that changes one
 * model's price (and prices a model the catalog does not know). The reprice runs on the
 * product's own engine, as the command does when the service is stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { loadPricing, type PriceCatalog } from '@agentmeter/pricing';
import { Agentmeter, GenAi } from '@agentmeter/conventions';
import { DEFAULT_RETENTION } from '@agentmeter/schema';
import { reprice, RepriceError } from '@agentmeter/store';
import { startProduct, type Running } from './helpers.js';

const DAY = 86_400_000;
const MINUTE = 60_000;
const schema = { database: 'agentmeter', retention: DEFAULT_RETENTION };

let product: Running;
let catalog: PriceCatalog;
let today: string;
const dayOf = (offset: number) =>
  new Date(Date.parse(`${today}T00:00:00Z`) + offset * DAY).toISOString().slice(0, 10);

/** Nano-USD per token of the overridden prices: $2 / $8 / $1 per million tokens. */
const GPT4O = { input: 2000n, output: 8000n, cacheRead: 1000n };
const ACME = { input: 500n, output: 1500n };

interface Call {
  provider: string;
  model: string;
  input: number;
  output: number;
  cacheRead: number;
  /** The emitter's own cost: the span keeps it (cost_source 'span'). */
  costUsd?: number;
}

function call(i: number): Call {
  const input = 1000 + 37 * i;
  const output = 100 + (i % 53);
  if (i % 5 === 0)
    return {
      provider: 'openai',
      model: 'gpt-4o',
      input,
      output,
      cacheRead: 0,
      costUsd: 0.01 + i / 1e6,
    };
  if (i % 5 === 1)
    return { provider: 'anthropic', model: 'claude-sonnet-4', input, output, cacheRead: 0 };
  if (i % 5 === 2) return { provider: 'acme', model: 'acme-1', input, output, cacheRead: 0 };
  return { provider: 'openai', model: 'gpt-4o', input, output, cacheRead: i % 2 ? 400 : 0 };
}

async function ingest(dayStartMs: number, count: number, seed: number): Promise<void> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'reprice-agent' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('reprice');
  for (let i = 0; i < count; i++) {
    const c = call(i + seed);
    // Spread over the whole day, so many 1m and 1h buckets are rebuilt.
    const start = dayStartMs + ((i * 7_919_000 + seed * MINUTE) % (DAY - MINUTE)) + (i % 997);
    const span = tracer.startSpan(`chat ${c.model}`, {
      kind: SpanKind.CLIENT,
      startTime: start,
      attributes: {
        [GenAi.OPERATION_NAME]: 'chat',
        [GenAi.PROVIDER_NAME]: c.provider,
        [GenAi.REQUEST_MODEL]: c.model,
        [GenAi.USAGE_INPUT_TOKENS]: c.input,
        [GenAi.USAGE_OUTPUT_TOKENS]: c.output,
        [GenAi.USAGE_CACHE_READ_INPUT_TOKENS]: c.cacheRead,
        [Agentmeter.PROJECT]: 'reprice',
        ...(c.costUsd === undefined ? {} : { [Agentmeter.COST_USD]: c.costUsd }),
      },
    });
    span.end(start + 100 + (i % 900));
  }
  const exporter = new OTLPTraceExporter({ url: `${product.otlpUrl}/v1/traces` });
  await new Promise<void>((resolve, reject) =>
    exporter.export(memory.getFinishedSpans(), (r) =>
      r.code === 0 ? resolve() : reject(r.error ?? new Error('export failed')),
    ),
  );
  await exporter.shutdown();
}

const reasons = () =>
  product.rows<{ cost_source: string; unpriced_reason: string; n: string }>(
    `SELECT cost_source, unpriced_reason, toString(count()) AS n FROM agentmeter.llm_spans
     GROUP BY cost_source, unpriced_reason ORDER BY cost_source, unpriced_reason`,
  );

/** Per day and model: what the spans hold, and what every rollup level holds. */
async function totals(source: string, time: string): Promise<Record<string, string>[]> {
  return product.rows(
    `SELECT toString(toDate(${time})) AS day, request_model AS model, toString(sum(${source === 'spans' ? '1' : 'requests'})) AS requests,
       toString(sum(cost_usd)) AS cost, toString(sum(cost_input_usd)) AS cost_input,
       toString(sum(cost_output_usd)) AS cost_output, toString(sum(cost_cache_read_usd)) AS cost_cache_read,
       toString(sum(input_tokens)) AS input, toString(sum(${source === 'spans' ? "cost_source = 'unpriced'" : 'unpriced_requests'})) AS unpriced
     FROM ${source === 'spans' ? 'agentmeter.llm_spans' : `agentmeter.llm_usage_${source}`}
     WHERE project = 'reprice' GROUP BY day, model ORDER BY day, model`,
  );
}

async function snapshot(): Promise<Record<string, unknown>> {
  return {
    spans: await totals('spans', 'timestamp'),
    '1m': await totals('1m', 'bucket'),
    '1h': await totals('1h', 'bucket'),
    '1d': await totals('1d', 'bucket'),
    rows: await product.rows(
      `SELECT span_id, toString(cost_usd) AS cost, cost_source, price_version
       FROM agentmeter.llm_spans ORDER BY span_id`,
    ),
  };
}

function usd(nanos: bigint): string {
  const frac = (nanos % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${nanos / 1_000_000_000n}${frac ? `.${frac}` : ''}`;
}

beforeAll(async () => {
  product = await startProduct();
  [{ today }] = (await product.rows<{ today: string }>(`SELECT toString(today()) AS today`)) as [
    { today: string },
  ];
  await ingest(Date.parse(`${dayOf(-2)}T00:00:00Z`), 600, 0);
  await ingest(Date.parse(`${dayOf(-1)}T00:00:00Z`), 400, 3);
  catalog = await loadPricing({
    overrides: {
      version: 1,
      models: [
        {
          provider: 'openai',
          model: 'gpt-4o',
          prices: { input_mtok: 2, output_mtok: 8, cache_read_mtok: 1 },
        },
        { provider: 'acme', model: 'acme-1', prices: { input_mtok: 0.5, output_mtok: 1.5 } },
      ],
    },
  });
}, 120_000);
afterAll(async () => {
  await product?.stop();
});

describe('agentmeter reprice', () => {
  it('ingested the scenario: catalog, span and unpriced costs on two UTC days', async () => {
    const [tz] = await product.rows<{ tz: string }>(`SELECT timezone() AS tz`);
    expect(tz!.tz).toMatch(/^(Etc\/)?UTC$/);
    const bySource = await product.rows<{ day: string; cost_source: string; n: string }>(
      `SELECT toString(toDate(timestamp)) AS day, cost_source, toString(count()) AS n
       FROM agentmeter.llm_spans GROUP BY day, cost_source ORDER BY day, cost_source`,
    );
    expect(bySource).toEqual([
      { day: dayOf(-2), cost_source: 'catalog', n: '360' },
      { day: dayOf(-2), cost_source: 'span', n: '120' },
      { day: dayOf(-2), cost_source: 'unpriced', n: '120' },
      { day: dayOf(-1), cost_source: 'catalog', n: '240' },
      { day: dayOf(-1), cost_source: 'span', n: '80' },
      { day: dayOf(-1), cost_source: 'unpriced', n: '80' },
    ]);
    expect(await reasons()).toEqual([
      { cost_source: 'catalog', unpriced_reason: '', n: '600' },
      { cost_source: 'span', unpriced_reason: '', n: '200' },
      { cost_source: 'unpriced', unpriced_reason: 'unknown_model', n: '200' },
    ]);
  });

  it('refuses history older than the stored spans, and today unless asked', async () => {
    const refused = (o: { since: string; until?: string }) =>
      reprice(product.store.client, catalog, { schema, ...o }).then(
        () => undefined,
        (e: unknown) => (e instanceof RepriceError ? e.code : e),
      );
    expect(await refused({ since: dayOf(-3) })).toBe('REPRICE_BEYOND_RETENTION');
    expect(await refused({ since: dayOf(-2), until: dayOf(1) })).toBe('REPRICE_TODAY');
    expect(await refused({ since: '2026-13-45' })).toBe('REPRICE_BAD_DATE');
    expect(await refused({ since: '2026-02-30' })).toBe('REPRICE_BAD_DATE');
  });

  it('--dry-run reports the change per day and writes nothing', async () => {
    const before = await snapshot();
    const report = await reprice(product.store.client, catalog, {
      schema,
      since: dayOf(-2),
      dryRun: true,
    });
    expect(report.dryRun).toBe(true);
    expect(report.days.map((d) => [d.day, d.spans, d.repriced])).toEqual([
      [dayOf(-2), 600, 480],
      [dayOf(-1), 400, 320],
    ]);
    for (const d of report.days) {
      expect(d.oldPriceVersions).toContain('');
      expect(d.newPriceVersions).toEqual([catalog.priceVersion]);
      expect(d.difference).not.toBe('0');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('reprices catalog and unpriced spans exactly and rebuilds every rollup level', async () => {
    const before = await snapshot();
    const report = await reprice(product.store.client, catalog, { schema, since: dayOf(-2) });
    expect(report.days).toHaveLength(2);

    const spans = await product.rows<{
      model: string;
      input: string;
      output: string;
      cache_read: string;
      cost: string;
      source: string;
      version: string;
    }>(
      `SELECT request_model AS model, toString(input_tokens) AS input, toString(output_tokens) AS output,
         toString(cache_read_tokens) AS cache_read, toString(cost_usd) AS cost, cost_source AS source,
         price_version AS version
       FROM agentmeter.llm_spans WHERE cost_source = 'catalog' AND request_model IN ('gpt-4o', 'acme-1')`,
    );
    // Two fifths of the spans are gpt-4o priced by the catalog, one fifth acme-1.
    expect(spans).toHaveLength(600);
    for (const s of spans) {
      const [input, output, cacheRead] = [BigInt(s.input), BigInt(s.output), BigInt(s.cache_read)];
      const nanos =
        s.model === 'gpt-4o'
          ? (input - cacheRead) * GPT4O.input + cacheRead * GPT4O.cacheRead + output * GPT4O.output
          : input * ACME.input + output * ACME.output;
      expect(s.cost, `${s.model} ${s.input}/${s.output}/${s.cache_read}`).toBe(usd(nanos));
      expect(s.version).toBe(catalog.priceVersion);
    }

    const after = await snapshot();
    // Emitter-sent costs and the unaffected model's spans are untouched, row for row.
    const rowsBefore = new Map(
      (before['rows'] as { span_id: string }[]).map((r) => [r.span_id, r]),
    );
    const rowsAfter = after['rows'] as { span_id: string; cost_source: string }[];
    expect(rowsAfter).toHaveLength(1000);
    expect(new Set(rowsAfter.map((r) => r.span_id)).size).toBe(1000);
    for (const r of rowsAfter) {
      if (r.cost_source === 'span') expect(r).toEqual(rowsBefore.get(r.span_id));
    }
    const claude = (t: unknown) =>
      (t as { model: string }[]).filter((r) => r.model === 'claude-sonnet-4');
    expect(claude(after['spans'])).toEqual(claude(before['spans']));
    expect((after['spans'] as { unpriced: string }[]).every((r) => r.unpriced === '0')).toBe(true);
    // The model the override now prices has lost its reason with its unpriced state.
    expect(await reasons()).toEqual([
      { cost_source: 'catalog', unpriced_reason: '', n: '800' },
      { cost_source: 'span', unpriced_reason: '', n: '200' },
    ]);
    // Every rollup level equals the raw spans, exactly, per day and model.
    for (const level of ['1m', '1h', '1d']) expect(after[level], level).toEqual(after['spans']);
    // The latency states were rebuilt too: every rebuilt hour still answers a p95.
    const [hours] = await product.rows<{ n: string; with_p95: string }>(
      `SELECT toString(count()) AS n, toString(countIf(duration_ms_p95 >= 100)) AS with_p95
       FROM agentmeter.llm_usage_1h_view WHERE project = 'reprice'`,
    );
    expect(Number(hours!.n)).toBeGreaterThan(24);
    expect(hours!.with_p95).toBe(hours!.n);
  });

  it('a second run changes nothing and counts nothing twice', async () => {
    const before = await snapshot();
    const report = await reprice(product.store.client, catalog, { schema, since: dayOf(-2) });
    expect(report.days.every((d) => d.difference === '0')).toBe(true);
    const after = await snapshot();
    expect(after).toEqual(before);
    for (const level of ['1m', '1h', '1d']) expect(after[level], level).toEqual(after['spans']);
  });
});
