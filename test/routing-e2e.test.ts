/**
 * The routing client end to end: routed calls to a fake provider over real HTTP, spans exported
 * by the real OTel SDK over OTLP/protobuf to the running ingester, rows and rollups in ClickHouse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadPricing } from '@agentmeter/pricing';
import { openAIProvider, parseRoutingConfig, RoutingClient } from '@agentmeter/instrumentation';
import { startFakeProvider, type FakeProvider } from '@agentmeter/test-kit';
import { startProduct, type Running } from './helpers.js';

let product: Running;
let fake: FakeProvider;
beforeAll(async () => {
  product = await startProduct();
  fake = await startFakeProvider({
    recordRequests: false,
    // 2,000 prompt tokens of which 1,000 cached, 300 completion tokens.
    defaultStep: {
      kind: 'reply',
      openaiUsage: {
        prompt_tokens: 2000,
        completion_tokens: 300,
        total_tokens: 2300,
        prompt_tokens_details: { cached_tokens: 1000 },
      },
    },
  });
});
afterAll(async () => {
  await fake?.close();
  await product?.stop();
});

describe('routed calls through the real ingester', () => {
  it('land as one row per provider call, with routing decisions and the catalog cost', async () => {
    const tracerProvider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'routed-agent' }),
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${product.otlpUrl}/v1/traces` })),
      ],
    });
    const router = new RoutingClient({
      config: parseRoutingConfig({
        models: { 'gpt-4o-mini': { provider: 'openai' }, 'gpt-4o': { provider: 'openai' } },
        llm_routing_policies: {
          docs: {
            strategy: 'cheap_first',
            builder_primary: 'gpt-4o-mini',
            auditor_primary: 'gpt-4o-mini',
            escalate_to: { builder: 'gpt-4o', after_attempts: 1 },
          },
        },
      }),
      providers: [openAIProvider({ baseURL: fake.openaiBaseURL, apiKey: 'test' })],
      pricing: await loadPricing(),
      tracer: tracerProvider.getTracer('routing-e2e'),
    });
    const messages = [{ role: 'user' as const, content: 'Document the export module.' }];
    let routedNanos = 0;
    for (const attempt of [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]) {
      const res = await router.complete({
        category: 'docs',
        role: 'builder',
        messages,
        attempt,
        tenancy: { project: 'routed', conversation: 'thread-42' },
      });
      expect(res.escalated).toBe(attempt === 2);
      if (res.cost?.priced) routedNanos += res.cost.costNanos;
    }
    await tracerProvider.shutdown();

    const rows = await product.rows<Record<string, string | number | boolean>>(
      `SELECT request_model, escalated, escalated_from, category, category_source, strategy, attempt,
              input_tokens, cache_read_tokens, output_tokens, cost_source, toString(cost_usd) AS cost,
              conversation_id
       FROM agentmeter.llm_spans WHERE service_name = 'routed-agent' ORDER BY attempt, span_id`,
    );
    // The routing span carries no gen_ai.* attribute: only the 15 provider calls are stored.
    expect(rows).toHaveLength(15);
    expect(rows.filter((r) => r['escalated'])).toHaveLength(5);
    for (const r of rows) {
      expect(r).toMatchObject({
        category: 'docs',
        category_source: 'explicit',
        strategy: 'cheap_first',
        cost_source: 'span',
        conversation_id: 'thread-42',
      });
      expect(r).toMatchObject({ input_tokens: 2000, cache_read_tokens: 1000, output_tokens: 300 });
      if (r['escalated'])
        expect(r).toMatchObject({
          request_model: 'gpt-4o',
          escalated_from: 'gpt-4o-mini',
          attempt: 2,
        });
      else expect(r).toMatchObject({ request_model: 'gpt-4o-mini', attempt: 1 });
    }
    // Catalog prices per MTok: gpt-4o-mini $0.15 in, $0.075 cached, $0.60 out; gpt-4o $2.50, $1.25, $10.
    // mini: 1000×0.15 + 1000×0.075 + 300×0.6 = 405 µ$; 4o: 1000×2.5 + 1000×1.25 + 300×10 = 6,750 µ$.
    const expectedUsd = 10 * 0.000405 + 5 * 0.00675;
    const [total] = await product.rows<{ usd: string; escalations: string }>(
      "SELECT toString(sum(cost_usd)) AS usd, toString(sum(escalations)) AS escalations FROM agentmeter.llm_usage_1h WHERE service_name = 'routed-agent'",
    );
    expect(Number(total!.usd)).toBeCloseTo(expectedUsd, 9);
    expect(Number(total!.usd) * 1e9).toBeCloseTo(routedNanos, 0);
    expect(total!.escalations).toBe('5');
  });
});
