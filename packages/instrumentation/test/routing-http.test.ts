/**
 * The router over real HTTP: the provider clients of src/providers against the local fake
 * OpenAI/Anthropic server, so retries, fallbacks and prices are driven by real status codes,
 * headers, error bodies and each provider's own usage convention.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agentmeter, GenAi } from '@agentmeter/conventions';
import { loadPricing, type PriceCatalog } from '@agentmeter/pricing';
import { anthropicProvider } from '../src/providers/anthropic.js';
import { openAIProvider } from '../src/providers/openai.js';
import { RoutingClient } from '../src/routing/routing-client.js';
import {
  fakeErrors,
  startFakeProvider,
  type FakeProvider,
  ManualClock,
} from '@agentmeter/test-kit';
import { messages, testConfig, tracing } from './routing-fixtures.js';

let fake: FakeProvider;
let pricing: PriceCatalog;
beforeAll(async () => {
  [fake, pricing] = await Promise.all([startFakeProvider(), loadPricing()]);
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

function setup() {
  const t = tracing();
  const clock = new ManualClock();
  const router = new RoutingClient({
    config: testConfig({
      retry: { num_retries: 1 },
      cooldown: { allowed_fails: 10 },
      fallbacks: { context_window: { 'gpt-4o': ['claude-sonnet-4-5'] } },
    }),
    providers: [
      openAIProvider({ baseURL: fake.openaiBaseURL, apiKey: 'sk-test' }),
      anthropicProvider({ baseURL: fake.anthropicBaseURL, apiKey: 'sk-ant-test' }),
    ],
    pricing,
    tracer: t.tracer,
    clock,
  });
  return { router, t, clock };
}

describe('RoutingClient over HTTP', () => {
  it('prices an OpenAI call from its wire usage (cached tokens inside prompt_tokens)', async () => {
    const { router, t } = setup();
    fake.enqueue({
      kind: 'reply',
      text: 'done',
      openaiUsage: {
        prompt_tokens: 1000,
        completion_tokens: 500,
        total_tokens: 1500,
        prompt_tokens_details: { cached_tokens: 200 },
      },
    });
    const res = await router.complete({ category: 'core_backend_high', role: 'builder', messages });
    expect(fake.requests.map((r) => [r.dialect, r.model])).toEqual([['openai', 'gpt-4o']]);
    expect(res.response.text).toBe('done');
    // 800 uncached × $2.50/M + 200 cached × $1.25/M + 500 output × $10/M.
    expect(res.cost).toMatchObject({
      priced: true,
      costNanos: 800 * 2_500 + 200 * 1_250 + 500 * 10_000,
    });
    expect(t.calls()[0]?.attributes).toMatchObject({
      [GenAi.USAGE_INPUT_TOKENS]: 1000,
      [GenAi.USAGE_CACHE_READ_INPUT_TOKENS]: 200,
      [GenAi.USAGE_OUTPUT_TOKENS]: 500,
      [Agentmeter.COST_USD]: 0.00725,
    });
  });

  it('prices an Anthropic call from its wire usage (cache tokens reported beside input_tokens)', async () => {
    const { router } = setup();
    fake.enqueue({
      kind: 'reply',
      anthropicUsage: {
        input_tokens: 500,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 500,
        output_tokens: 100,
      },
    });
    const res = await router.complete({ category: 'core_backend_high', role: 'auditor', messages });
    expect([res.provider, res.response.usage.inputTokens]).toEqual(['anthropic', 2000]);
    expect(res.cost).toMatchObject({
      costNanos: 500 * 3_000 + 1000 * 300 + 500 * 3_750 + 100 * 15_000,
    });
  });

  it('waits the Retry-After of a 429 and retries', async () => {
    const { router, clock, t } = setup();
    fake.enqueue(fakeErrors.rateLimited({ retryAfterSeconds: 2 }), {
      kind: 'reply',
      text: 'after wait',
    });
    const res = await router.complete({ category: 'docs', role: 'builder', messages });
    expect(clock.sleeps).toEqual([2_000]);
    expect(fake.requests).toHaveLength(2);
    expect([res.response.text, res.decisions.rateLimit]).toEqual(['after wait', 'delayed']);
    expect(t.calls()[0]?.attributes[GenAi.ERROR_TYPE]).toBeDefined();
    expect(t.calls()[0]?.attributes[Agentmeter.ERROR_CATEGORY]).toBe('rate_limit');
  });

  it('falls back to another provider on a context-window error', async () => {
    const { router } = setup();
    fake.enqueueFor('gpt-4o', fakeErrors.contextWindow());
    const res = await router.complete({ category: 'core_backend_high', role: 'builder', messages });
    expect(fake.requests.map((r) => [r.dialect, r.model])).toEqual([
      ['openai', 'gpt-4o'],
      ['anthropic', 'claude-sonnet-4-5'],
    ]);
    expect(res.provider).toBe('anthropic');
  });

  it('escalates in its own loop after server errors exhaust the retries', async () => {
    const { router } = setup();
    fake.enqueueFor(
      'gpt-4o',
      fakeErrors.server(),
      fakeErrors.server(),
      fakeErrors.server(),
      fakeErrors.server(),
    );
    const res = await router.complete({
      category: 'core_backend_high',
      role: 'builder',
      messages,
      maxAttempts: 3,
    });
    // Attempts 1 and 2 on gpt-4o, one retry each; attempt 3 escalates to gpt-5.
    expect(fake.requests.map((r) => r.model)).toEqual([
      'gpt-4o',
      'gpt-4o',
      'gpt-4o',
      'gpt-4o',
      'gpt-5',
    ]);
    expect([res.attempt, res.model, res.escalated]).toEqual([3, 'gpt-5', true]);
  });

  it('streams, reading usage from the final chunk', async () => {
    const { router, t } = setup();
    fake.enqueue({
      kind: 'reply',
      chunks: ['Hello ', 'stream'],
      openaiUsage: { prompt_tokens: 40, completion_tokens: 2, total_tokens: 42 },
    });
    const res = await router.complete({
      category: 'docs',
      role: 'builder',
      messages,
      stream: true,
    });
    expect(fake.requests[0]?.stream).toBe(true);
    expect([
      res.response.text,
      res.response.usage.inputTokens,
      res.response.usage.outputTokens,
    ]).toEqual(['Hello stream', 40, 2]);
    // gpt-4o-mini: 40 × 150 + 2 × 600 nano-USD.
    expect(res.cost).toMatchObject({ costNanos: 40 * 150 + 2 * 600 });
    expect(t.calls()[0]?.attributes[GenAi.REQUEST_STREAM]).toBe(true);
  });
});
