/** Budgets and quotas declared in the routing config are enforced with no guard passed in code. */
import { describe, expect, it } from 'vitest';
import { loadPricing } from '@agentmeter/pricing';
import { RoutingClient } from '../src/index.js';
import { messages, ScriptedProvider, testConfig, tracing } from './routing-fixtures.js';

// gpt-4o-mini: $0.15 / $0.60 per MTok → 100k in + 10k out = $0.015 + $0.006 = $0.021 a call.
const bigCall = { reply: 'ok', usage: { inputTokens: 100_000, outputTokens: 10_000 } };

describe('guards from the routing config', () => {
  it('blocks at the call that would pass a daily budget of $0.05', async () => {
    const openai = new ScriptedProvider('openai').then(bigCall, bigCall, bigCall, bigCall);
    const router = new RoutingClient({
      config: testConfig({
        budgets: [
          { id: 'daily-cap', scope: 'global', period: 'daily', limit_usd: 0.05, action: 'block' },
        ],
      }),
      providers: [openai, new ScriptedProvider('anthropic')],
      pricing: await loadPricing(),
      tracer: tracing().tracer,
    });
    const call = () => router.complete({ category: 'docs', role: 'builder', messages });
    // Spent before each call: $0, $0.021, $0.042 (+ a ~$0.0006 estimate) stay under $0.05.
    for (let i = 0; i < 3; i++) await call();
    await expect(call()).rejects.toMatchObject({ code: 'BUDGET_BLOCKED' });
    expect(openai.requests).toHaveLength(3);
  });

  it('raises QuotaBlockError for a never-fallback category once the provider quota is used up', async () => {
    const openai = new ScriptedProvider('openai').then(bigCall, bigCall, bigCall, bigCall);
    const router = new RoutingClient({
      config: testConfig({ quotas: { openai: { tokens: 250_000, period: 'weekly' } } }),
      providers: [openai, new ScriptedProvider('anthropic')],
      tracer: tracing().tracer,
    });
    const call = () =>
      router.complete({ category: 'security_auth_change', role: 'builder', messages });
    // 110k tokens a call: 0, 110k, 220k (+ the estimate) are under 250k; the fourth is refused.
    for (let i = 0; i < 3; i++) await call();
    await expect(call()).rejects.toMatchObject({ code: 'QUOTA_BLOCKED' });
    expect(openai.requests).toHaveLength(3);
  });

  it('prices calls with the bundled catalog when no catalog is given (the quick start)', async () => {
    const router = new RoutingClient({
      config: testConfig(),
      providers: [new ScriptedProvider('openai').then(bigCall), new ScriptedProvider('anthropic')],
      tracer: tracing().tracer,
    });
    const res = await router.complete({ category: 'docs', role: 'builder', messages });
    // gpt-4o-mini, 100k in + 10k out: $0.021 = 21,000,000 nano-USD.
    expect(res.cost).toMatchObject({ priced: true, costNanos: 21_000_000 });
  });
});
