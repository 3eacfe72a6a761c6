/**
 * The README's first queries, run as written on a store holding a priced call, a call of a model
 * the catalog does not know and a call that reported no usage: the unpriced calls must show,
 * with their reason, not hide as a category at $0.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Agentmeter, GenAi } from '@agentmeter/conventions';
import { startProduct, type Running } from './helpers.js';

let product: Running;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(async () => {
  await product?.stop();
});

/** The SQL of every `agentmeter -- sql "…"` line of the README's quick start, in order. */
function readmeQueries(): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  return [...readme.matchAll(/agentmeter -- sql "([^"]+)"/g)].map((m) => m[1]!);
}

it('shows unpriced calls per category and why, beside the cost', async () => {
  const provider = new BasicTracerProvider({
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${product.otlpUrl}/v1/traces` })),
    ],
  });
  const tracer = provider.getTracer('readme');
  const call = (attributes: Record<string, string | number>) =>
    tracer
      .startSpan('chat', { attributes: { [Agentmeter.CATEGORY]: 'summarise', ...attributes } })
      .end();
  call({
    [GenAi.PROVIDER_NAME]: 'openai',
    [GenAi.REQUEST_MODEL]: 'gpt-4o-mini',
    [GenAi.USAGE_INPUT_TOKENS]: 1000,
    [GenAi.USAGE_OUTPUT_TOKENS]: 100,
  });
  call({
    [GenAi.PROVIDER_NAME]: 'openai',
    [GenAi.REQUEST_MODEL]: 'in-house-llm-7b',
    [GenAi.USAGE_INPUT_TOKENS]: 1000,
    [GenAi.USAGE_OUTPUT_TOKENS]: 100,
  });
  call({ [GenAi.PROVIDER_NAME]: 'openai', [GenAi.REQUEST_MODEL]: 'gpt-4o-mini' });
  await provider.forceFlush();
  await provider.shutdown();

  const [byCategory, why] = readmeQueries();
  expect(await product.rows(byCategory!)).toEqual([
    // 1,000 × $0.15 + 100 × $0.60 per million
    { category: 'summarise', calls: 3, usd: '0.00021', unpriced: 2 },
  ]);
  const reasons = await product.rows<Record<string, unknown>>(why!);
  expect(reasons.map((r) => Object.values(r))).toEqual(
    expect.arrayContaining([
      ['unknown_model', 'openai', 'in-house-llm-7b', 1],
      ['no_usage', 'openai', 'gpt-4o-mini', 1],
    ]),
  );
  expect(reasons).toHaveLength(2);
});
